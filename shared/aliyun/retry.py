"""How long to wait before trying Aliyun again: exponential backoff with jitter."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from shared.settings import Settings


def backoff_seconds(attempt: int, settings: Settings, retry_after_ms: int = 0) -> float:
    """Exponential backoff with jitter, at least ``retry_after_ms``, at most the configured cap."""
    ceiling = min(settings.retry_max_delay_ms, settings.retry_base_delay_ms * 2 ** (attempt - 1))
    delay_ms = random.uniform(ceiling / 2, ceiling)  # noqa: S311 - jitter, not security
    return min(max(delay_ms, retry_after_ms), settings.retry_max_delay_ms) / 1000
