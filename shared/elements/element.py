"""The element model: Meta → Type → instance, as JitAi has it.

An instance lives at ``<Meta>/<Name>/e.json`` (``title``, ``type``, ``backendBundleEntry``)
plus the business config files its Type declares (``sms.json`` for ``SMS.Aliyun``). Its full
name is the path with dots: ``SMS.<Name>``. A Python class registered under a Type's full
name supplies the behaviour.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from shared.errors import ConfigError
from shared.validation import describe

if TYPE_CHECKING:
    from shared.privacy.vault import Vault
    from shared.settings import Settings
    from shared.store.base import Store

_NAME_PART = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
MAX_ELEMENT_NAME_CHARS = 128  # our choice
NonEmpty = Field(min_length=1)


class ElementDefinition(BaseModel):
    """``e.json``: what every element has."""

    model_config = ConfigDict(extra="allow", strict=True)

    title: str = NonEmpty
    type: str = NonEmpty
    backendBundleEntry: str = NonEmpty  # noqa: N815 - JitAi's field name


class Host(Protocol):
    """What an element sees of the ``App`` that loaded it (``shared.elements.app.App`` is one)."""

    settings: Settings

    @property
    def store(self) -> Store: ...

    @property
    def vault(self) -> Vault: ...

    def getElement(self, fullName: str) -> Any: ...  # noqa: N802, N803 - JitAi's names


class Element:
    """Base of every element Type class.

    ``config_files`` maps each business config file the Type reads to its pydantic model;
    the loader validates them and hands them to ``__init__``.
    """

    meta: ClassVar[str] = ""
    config_files: ClassVar[dict[str, type[BaseModel]]] = {}
    secret_fields: ClassVar[dict[str, frozenset[str]]] = {}  # per file: fields that belong in KMS

    def __init__(self, app: Host, full_name: str, definition: ElementDefinition, configs: dict[str, Any]) -> None:
        self.app = app
        self.fullName = full_name  # noqa: N815 - JitAi's attribute name
        self.definition = definition
        self.configs = configs

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.fullName}>"

    def template_needs(self) -> list[TemplateNeed]:
        """Templates this element will send, for the config check (none by default)."""
        return []


class TemplateNeed(NamedTuple):
    """A template another element relies on, and the variables its use supplies.

    ``variables`` is the exact set the template must take; ``variable_count`` only how many
    (a verification code takes exactly one, whatever its name). ``code``: the (length, alphabet
    name) of the codes sent in that one variable, for templates that check it (``numberCaptcha``).
    """

    service: str
    template_code: str
    purpose: str
    variables: frozenset[str] | None = None
    variable_count: int | None = None
    code: tuple[int, str] | None = None


def element_path(full_name: object) -> str:
    """``SMS.Foo`` → ``SMS/Foo``; a malformed name is a 46001 naming it."""
    if not isinstance(full_name, str) or not full_name:
        raise ConfigError("element full name is required, e.g. 'SMS.Default'")
    return _element_path(full_name)


@functools.lru_cache(maxsize=256)
def _element_path(full_name: str) -> str:
    if len(full_name) > MAX_ELEMENT_NAME_CHARS:  # no OSS key or file name of ours is longer; refused before any read
        raise ConfigError(f"an element full name must be at most {MAX_ELEMENT_NAME_CHARS} characters, "
                          f"got {len(full_name)}")
    parts = full_name.split(".")
    if len(parts) < 2 or not all(_NAME_PART.fullmatch(part) for part in parts):
        raise ConfigError(f"invalid element full name {full_name!r}; expected '<Meta>.<Name>', e.g. 'SMS.Default'")
    return "/".join(parts)


def validate_file(model: type[BaseModel], data: Any, where: str) -> BaseModel:
    """Validate one config file; errors name the file and each wrong field."""
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: must be a JSON object")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{where}: {describe(exc, dotted=True)}") from None
