"""``App``: the entry point that finds elements by full name, as JitAi's ``app`` does."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from shared.element import Element, ElementDefinition, element_path, validate_file
from shared.errors import ConfigError
from shared.registry import TypeRegistry
from shared.settings import Settings
from shared.source import ElementSource, open_source


class App:
    """Loads elements from a source and hands out their instances.

    Example:
        >>> app = App.from_env()
        >>> app.getElement("SMS.Default").sendMessage(["13800138000"], {"code": "1234"}, "SMS_1")
    """

    def __init__(self, settings: Settings | None = None, *, source: ElementSource | None = None) -> None:
        self.settings = settings or Settings()
        self.source = source if source is not None else open_source(self.settings.elements_source)
        self.types = TypeRegistry()
        self._elements: dict[str, Element] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> App:
        """An app configured from the ``SMS_*`` environment variables."""
        return cls(Settings.from_env(environ))

    def register_type(self, fullName: str, cls: type[Element]) -> None:  # noqa: N803
        """Use ``cls`` for this app's elements whose ``e.json`` names ``fullName`` as type."""
        self.types.register(fullName, cls)
        with self._lock:
            self._elements.clear()

    def getElement(self, fullName: str) -> Any:  # noqa: N802, N803 - JitAi's API
        """The element instance named ``fullName`` (e.g. ``SMS.Default``), loaded once."""
        with self._lock:
            element = self._elements.get(fullName)
            if element is None:
                element = self._load(fullName)
                self._elements[fullName] = element
            return element

    def _load(self, full_name: str) -> Element:
        path = element_path(full_name)
        e_json = f"{path}/e.json"
        data = self.source.read_json(e_json)
        if data is None:
            raise ConfigError(f"unknown element {full_name}: {self.source.describe(e_json)} does not exist")
        definition = validate_file(ElementDefinition, data, self.source.describe(e_json))
        assert isinstance(definition, ElementDefinition)
        cls = self.types.get(definition.type)
        if cls is None:
            raise ConfigError(
                f"{self.source.describe(e_json)}: type {definition.type!r} of {full_name} is not a known Type "
                f"(known: {', '.join(self.types.names())})"
            )
        configs: dict[str, Any] = {}
        for file_name, model in cls.config_files.items():
            where = self.source.describe(f"{path}/{file_name}")
            raw = self.source.read_json(f"{path}/{file_name}")
            if raw is None:
                raise ConfigError(f"{where}: missing; {definition.type} elements need it")
            configs[file_name] = validate_file(model, raw, where)
        return cls(self, full_name, definition, configs)
