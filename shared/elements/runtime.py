"""The per-instance App that FC handlers share, refreshed with each invocation's credentials.

The App holds only caches (elements, secrets, SDK clients), which are meant to outlive a
request; everything else is per invocation.
"""

from __future__ import annotations

import threading
from typing import Any

from shared.aliyun.credentials import Credentials
from shared.elements.app import App

_app: App | None = None
_credentials_source: Any = None  # the context.credentials object the app's credentials came from
_lock = threading.Lock()


def app_for(context: Any) -> App:
    """The instance's App, created from the environment on first use, with this invocation's credentials."""
    global _app, _credentials_source
    source = getattr(context, "credentials", None)
    with _lock:
        if _app is None:
            _app = App.from_env(context=context)
        elif source is None or source is not _credentials_source:  # FC hands a new object when keys rotate
            _app.use_credentials(Credentials.for_invocation(context))
        _credentials_source = source
        return _app


def reset() -> None:
    """Forget the instance's App (tests; a changed environment)."""
    global _app, _credentials_source
    with _lock:
        _app = None
        _credentials_source = None


def invocation_seconds(context: Any, default: float) -> float:
    """The function's timeout (``context.function.timeout``), else ``default``: an invocation is dead
    by then, so a claim it holds need not, and must not, outlive it."""
    timeout = getattr(getattr(context, "function", None), "timeout", None)
    return float(timeout) if isinstance(timeout, (int, float)) and timeout > 0 else default
