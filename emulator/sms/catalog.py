"""Signatures and templates: the seeded catalogue that sends are checked against.

Seed entries (``sms.signs`` / ``sms.templates``) use Aliyun's integers: status 0 reviewing,
1 approved, 2 rejected, 10 cancelled; template type 0 verification code, 1 notification,
2 promotion, 3 international. Optional extras: ``reason`` and ``createDate``
(``yyyy-MM-dd HH:mm:ss``).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from emulator.sms.errors import SignatureIllegal, TemplateIllegal

APPROVED = 1
STATUSES = (0, 1, 2, 10)
VERIFICATION, NOTIFICATION, PROMOTION, INTERNATIONAL = 0, 1, 2, 3
TEMPLATE_TYPES = (VERIFICATION, NOTIFICATION, PROMOTION, INTERNATIONAL)
DEFAULT_CREATE_DATE = "2024-01-01 10:00:00"
VARIABLE = re.compile(r"\$\{(\w+)\}")


@dataclass(frozen=True)
class Sign:
    name: str
    status: int = APPROVED
    reason: str = ""
    create_date: str = DEFAULT_CREATE_DATE

    @property
    def sign_code(self) -> str:
        return "SIGN_" + hashlib.sha1(self.name.encode("utf-8")).hexdigest()[:16].upper()


@dataclass(frozen=True)
class Template:
    code: str
    name: str
    type: int
    status: int
    content: str
    reason: str = ""
    create_date: str = DEFAULT_CREATE_DATE

    @property
    def variables(self) -> list[str]:
        """Variable names in order of first appearance."""
        return list(dict.fromkeys(VARIABLE.findall(self.content)))

    def render(self, params: Mapping[str, str]) -> str:
        """The template text with every ``${var}`` replaced by its value."""
        return VARIABLE.sub(lambda match: params.get(match.group(1), match.group(0)), self.content)


def _int_choice(entry: Mapping[str, Any], name: str, choices: tuple[int, ...], where: str, default: int) -> int:
    value = entry.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or value not in choices:
        raise ValueError(f"{where}.{name} must be one of {list(choices)}")
    return value


def _text(entry: Mapping[str, Any], name: str, where: str, default: str | None = None) -> str:
    value = entry.get(name, default)
    if not isinstance(value, str) or (default is None and not value):
        raise ValueError(f"{where}.{name} must be a non-empty string")
    return value


def parse_sign(entry: Any, index: int) -> Sign:
    where = f"sms.signs[{index}]"
    if not isinstance(entry, Mapping):
        raise ValueError(f"{where} must be an object")
    return Sign(name=_text(entry, "name", where), status=_int_choice(entry, "status", STATUSES, where, APPROVED),
                reason=_text(entry, "reason", where, ""),
                create_date=_text(entry, "createDate", where, DEFAULT_CREATE_DATE))


def parse_template(entry: Any, index: int) -> Template:
    where = f"sms.templates[{index}]"
    if not isinstance(entry, Mapping):
        raise ValueError(f"{where} must be an object")
    code = _text(entry, "code", where)
    return Template(
        code=code,
        name=_text(entry, "name", where, code),
        type=_int_choice(entry, "type", TEMPLATE_TYPES, where, NOTIFICATION),
        status=_int_choice(entry, "status", STATUSES, where, APPROVED),
        content=_text(entry, "content", where),
        reason=_text(entry, "reason", where, ""),
        create_date=_text(entry, "createDate", where, DEFAULT_CREATE_DATE),
    )


class Catalog:
    """Signatures by name and templates by code."""

    def __init__(self) -> None:
        self.signs: dict[str, Sign] = {}
        self.templates: dict[str, Template] = {}

    def add(self, signs: list[Sign], templates: list[Template]) -> None:
        """Add or replace by name / code."""
        self.signs.update((sign.name, sign) for sign in signs)
        self.templates.update((template.code, template) for template in templates)

    def sign(self, name: str) -> Sign:
        """The signature, whatever its status; ``isv.SMS_SIGNATURE_ILLEGAL`` when unknown."""
        found = self.signs.get(name)
        if found is None:
            raise SignatureIllegal(detail=f"该账号下找不到对应签名: {name}")
        return found

    def template(self, code: str) -> Template:
        """The template, whatever its status; ``isv.SMS_TEMPLATE_ILLEGAL`` when unknown."""
        found = self.templates.get(code)
        if found is None:
            raise TemplateIllegal(detail=f"该账号下找不到对应模板: {code}")
        return found

    def approved_sign(self, name: str) -> Sign:
        sign = self.sign(name)
        if sign.status != APPROVED:
            raise SignatureIllegal(detail=f"签名未审核通过: {name}")
        return sign

    def approved_template(self, code: str) -> Template:
        template = self.template(code)
        if template.status != APPROVED:
            raise TemplateIllegal(detail=f"模板未审核通过: {code}")
        return template
