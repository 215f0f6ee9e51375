"""Element files as both sources read them: JSON text, and names from paths."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from shared.errors import ConfigError, ConfigUnavailableError
from shared.validation import parse_json as read_json  # deep nesting is unreadable JSON too


def names_from_paths(paths: Iterable[str]) -> list[str]:
    """``SMS/Foo/e.json`` → ``SMS.Foo``; other files are ignored."""
    names = []
    for path in paths:
        parts = path.split("/")
        if len(parts) >= 3 and parts[-1] == "e.json":
            names.append(".".join(parts[:-1]))
    return names


def parse_json(text: str, where: str) -> Any:
    """Parse JSON, turning a syntax error into a config error naming the file and line."""
    try:
        return read_json(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{where}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None


def provider_failure(where: str, service: str, error: Exception) -> ConfigError:
    """An OSS or KMS failure as a config error naming ``where``, the service and Aliyun's code.

    A 4xx with a code is the configuration's fault (a missing object or secret, a denied role),
    except throttling; anything else is the service being unavailable, and a later try may succeed.
    """
    code = getattr(error, "code", None)
    status = getattr(error, "status_code", None)
    request_id = getattr(error, "request_id", None)
    request_id = None if request_id in (None, "", "None") else str(request_id)
    throttled = status is not None and int(status) == 429 or "Throttling" in str(code or "")
    if code and status is not None and 400 <= int(status) < 500 and not throttled:
        return ConfigError(f"{where}: {service} answered {code} (HTTP {status})", provider_code=code,
                           request_id=request_id)
    reason = f"{code} (HTTP {status})" if code else type(error).__name__
    return ConfigUnavailableError(f"{where}: {service} failed: {reason}", provider_code=code, request_id=request_id)
