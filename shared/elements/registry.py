"""Which Python class implements which Type full name."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TypeVar

from shared.elements.element import Element, element_path
from shared.errors import ConfigError

E = TypeVar("E", bound=type[Element])

_global_types: dict[str, type[Element]] = {}


class TypeRegistry:
    """Type full name → class; an app's registry falls back to the global one."""

    def __init__(self, parent: dict[str, type[Element]] | None = None) -> None:
        self._types: dict[str, type[Element]] = {}
        self._parent = _global_types if parent is None else parent

    def register(self, full_name: str, cls: type[Element]) -> None:
        element_path(full_name)
        if not (isinstance(cls, type) and issubclass(cls, Element)):
            raise ConfigError(f"cannot register {cls!r} as {full_name}: not a subclass of shared.Element")
        self._types[full_name] = cls

    def get(self, full_name: str) -> type[Element] | None:
        _load_builtin_type(full_name)
        return self._types.get(full_name) or self._parent.get(full_name)

    def names(self) -> list[str]:
        for name in BUILTIN_TYPES:
            _load_builtin_type(name)
        return sorted({*self._parent, *self._types})


def register_type(full_name: str) -> Callable[[E], E]:
    """Class decorator registering a Type for every app: ``@register_type("SMS.MyVendor")``."""

    def decorate(cls: E) -> E:
        element_path(full_name)
        _global_types[full_name] = cls
        return cls

    return decorate


# The library's own Types, by the module that registers each: imported on first lookup only,
# so a function pays for the Types it uses.
BUILTIN_TYPES = {
    "SMS.Aliyun": "shared.sms.aliyun",
    "Directory.Static": "shared.sms.directory",
    "Verify.SmsCode": "shared.verify.policy",
    "Approval.Defaults": "shared.approvals.defaults",
}


def _load_builtin_type(full_name: str) -> None:
    module = BUILTIN_TYPES.get(full_name)
    if module is not None and full_name not in _global_types:
        importlib.import_module(module)
