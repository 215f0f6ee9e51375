"""The per-instance App that FC handlers share, refreshed with each invocation's credentials.

The App holds only caches (elements, secrets, SDK clients), which are meant to outlive a
request; everything else is per invocation.
"""

from __future__ import annotations

import threading
from typing import Any

from shared.app import App
from shared.credentials import Credentials

_app: App | None = None
_lock = threading.Lock()


def app_for(context: Any) -> App:
    """The instance's App, created from the environment on first use, with this invocation's credentials."""
    global _app
    with _lock:
        if _app is None:
            _app = App.from_env(context=context)
        else:
            _app.use_credentials(Credentials.for_invocation(context))
        return _app


def reset() -> None:
    """Forget the instance's App (tests; a changed environment)."""
    global _app
    with _lock:
        _app = None
