"""What the core needs to know about an emulated POP service."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from emulator.core.clock import Clock
from emulator.core.ids import Ids
from emulator.core.responses import BaseResponse


class Backend(Protocol):
    """A service's state and rules."""

    def reset(self) -> None: ...

    def prepare_seed(self, section: Any) -> Callable[[], None]:
        """Validate a seed section completely and return the function that applies it."""
        ...


@dataclass(frozen=True)
class ServiceSpec:
    """One POP service: ``name`` keys stats, chaos rules, seed sections and control paths;
    ``version`` is the API version its calls carry; ``host`` is the HostId of its error bodies.

    ``error_fault_status`` is the HTTP status of a chaos ``error`` fault that names no status:
    None answers it as a business code inside HTTP 200 (Dysmsapi); services without business
    codes (KMS) answer a gateway error with this status instead.
    """

    name: str
    version: str
    host: str
    make_backend: Callable[[Clock, Ids], Backend]
    make_api: Callable[[Any], BaseResponse]
    error_fault_status: int | None = None
