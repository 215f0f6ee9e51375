"""Builds an element from its source: the Type chain, merged config, KMS references, validation."""

from __future__ import annotations

from typing import Any, NamedTuple

from pydantic import BaseModel

from shared.config.kms import SecretStore, is_reference
from shared.config.source import ElementSource
from shared.elements.element import Element, ElementDefinition, element_path, validate_file
from shared.elements.registry import TypeRegistry
from shared.errors import ConfigError, UnknownElementError


class LoadedElement(NamedTuple):
    """Everything needed to construct an element instance."""

    full_name: str
    definition: ElementDefinition
    cls: type[Element]
    configs: dict[str, BaseModel]
    chain: tuple[str, ...]  # the instance, then each Type element above it
    raw: dict[str, dict[str, Any]]  # each config file merged along the chain, before KMS references resolve


class ElementLoader:
    """Loads ``<Meta>/<Name>/e.json`` and its config files, following the Type chain.

    A Type element (an ``e.json`` whose ``type`` is ``SMS.Aliyun`` or another Type) may carry
    default config files; its instances override them key by key, to any depth. The Python
    class is the nearest Type in the chain registered in code.
    """

    def __init__(self, source: ElementSource, types: TypeRegistry, secrets: SecretStore) -> None:
        self.source = source
        self.types = types
        self.secrets = secrets

    def load(self, full_name: str, *, force: bool = False) -> LoadedElement:
        """The element as OSS and KMS have it now (each secret read once for it); ``force``: even
        while KMS fails, never a cached secret (the config check wants the truth)."""
        path = element_path(full_name)
        definition = self._definition(path)
        if definition is None:
            where = self.source.describe(f"{path}/e.json")
            raise UnknownElementError(f"unknown element {full_name}: {where} does not exist")
        cls, chain = self._resolve_chain(full_name, definition)
        kind, name_kind = cls.meta.split(".")[0], full_name.split(".")[0]
        if kind and kind != name_kind:  # SMS.X must send: a Directory Type under that name has no sendMessage
            raise ConfigError(f"{full_name}: its Type {definition.type} makes a {kind} element; "
                              f"a {name_kind}.* element needs a {name_kind} Type")
        raw = {file_name: self._merged(chain, file_name, definition.type) for file_name in cls.config_files}
        read: dict[str, str] = {}  # each secret once per build, from KMS now
        configs = {
            file_name: validate_file(
                model, self.secrets.resolve(raw[file_name], self._where(chain, file_name), read=read, force=force),
                self._where(chain, file_name),
            )
            for file_name, model in cls.config_files.items()
        }
        return LoadedElement(full_name, definition, cls, configs, tuple(chain), raw)

    def _definition(self, path: str) -> ElementDefinition | None:
        where = self.source.describe(f"{path}/e.json")
        data = self.source.read_json(f"{path}/e.json")
        if data is None:
            return None
        definition = validate_file(ElementDefinition, data, where)
        assert isinstance(definition, ElementDefinition)
        return definition

    def _resolve_chain(self, full_name: str, definition: ElementDefinition) -> tuple[type[Element], list[str]]:
        chain, cls, type_name = [full_name], None, definition.type
        while True:
            if type_name in chain:
                raise ConfigError(f"type chain of {full_name} has a cycle: {' → '.join([*chain, type_name])}")
            registered = self.types.get(type_name)
            cls = cls or registered
            if registered is not None and registered.__module__.startswith("shared."):
                return registered if cls is None else cls, chain  # the library's own Types live in code only
            parent = self._definition(element_path(type_name))
            if parent is None:
                if cls is None:
                    raise ConfigError(
                        f"type chain of {full_name} ({' → '.join([*chain, type_name])}): {type_name} is neither a "
                        f"registered Type ({', '.join(self.types.names())}) nor an element in the source"
                    )
                return cls, chain
            chain.append(type_name)
            type_name = parent.type

    def _where(self, chain: list[str], file_name: str) -> str:
        return self.source.describe(f"{element_path(chain[0])}/{file_name}")

    def _merged(self, chain: list[str], file_name: str, type_name: str) -> dict[str, Any]:
        merged: dict[str, Any] | None = None
        for name in reversed(chain):  # the topmost Type first, the instance last
            rel = f"{element_path(name)}/{file_name}"
            data = self.source.read_json(rel)
            if data is None:
                continue
            if not isinstance(data, dict):
                raise ConfigError(f"{self.source.describe(rel)}: must be a JSON object")
            merged = deep_merge(merged or {}, data)
        if merged is None:
            raise ConfigError(f"{self._where(chain, file_name)}: missing; {type_name} elements need it")
        return merged


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """``override`` on top of ``base``, key by key; a KMS reference replaces whatever was there."""
    merged = dict(base)
    for key, value in override.items():
        current = merged.get(key)
        if isinstance(current, dict) and isinstance(value, dict) and not is_reference(value) and not is_reference(
            current
        ):
            merged[key] = deep_merge(current, value)
        else:
            merged[key] = value
    return merged
