"""sms-fc's shared library: ``from shared import App, SmsError``.

Names are resolved on first use so that importing ``shared`` stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shared.errors import (
    ConfigError,
    ConfigUnavailableError,
    InvalidParameterError,
    ProviderError,
    RequestFailedError,
    SmsError,
    UnknownElementError,
)

if TYPE_CHECKING:
    from shared.elements.app import App
    from shared.elements.element import Element
    from shared.elements.registry import register_type

__all__ = [
    "App",
    "ConfigError",
    "ConfigUnavailableError",
    "Element",
    "InvalidParameterError",
    "ProviderError",
    "RequestFailedError",
    "SmsError",
    "UnknownElementError",
    "register_type",
]

_LAZY = {
    "App": "shared.elements.app",
    "Element": "shared.elements.element",
    "register_type": "shared.elements.registry",
}


def __getattr__(name: str) -> Any:
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'shared' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module_name), name)
