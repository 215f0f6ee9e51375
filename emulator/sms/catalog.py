"""Signatures and templates: the seeded catalogue that sends are checked against.

Seed entries (``sms.signs`` / ``sms.templates``) use Aliyun's integers: status 0 reviewing,
1 approved, 2 rejected, 10 cancelled; template type 0 verification code, 1 notification,
2 promotion, 3 international. Optional extras: ``reason`` and ``createDate``
(``yyyy-MM-dd HH:mm:ss``); a sign's ``scene`` (``"general"``, 通用, the default, or
``"verification"``, 验证码: verification templates only), ``remark`` and ``applyScene``; a template's
``variableAttribute`` (variable → attribute, :mod:`emulator.sms.variables`; a variable left out is
``numberCaptcha`` in a verification template, ``others`` otherwise), ``remark`` and ``signName``
(the sign it was applied with); ``test: true`` makes a sign or template a test one (测试签名/模板:
used together, to the account's bound test numbers only).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from emulator.sms.errors import (
    SignatureIllegal,
    SignatureSceneIllegal,
    SignStateIllegal,
    TemplateIllegal,
    TestSignTemplateLimit,
)
from emulator.sms.variables import ATTRIBUTES, NUMBER_CAPTCHA, OTHERS

APPROVED = 1
STATUSES = (0, 1, 2, 10)
VERIFICATION, NOTIFICATION, PROMOTION, INTERNATIONAL = 0, 1, 2, 3
TEMPLATE_TYPES = (VERIFICATION, NOTIFICATION, PROMOTION, INTERNATIONAL)
DEFAULT_CREATE_DATE = "2024-01-01 10:00:00"
VARIABLE = re.compile(r"\$\{(\w+)\}")
GENERAL, VERIFICATION_SCENE = "general", "verification"
SCENES = (GENERAL, VERIFICATION_SCENE)


@dataclass(frozen=True)
class Sign:
    name: str
    status: int = APPROVED
    reason: str = ""
    create_date: str = DEFAULT_CREATE_DATE
    scene: str = GENERAL
    test: bool = False
    remark: str = ""
    apply_scene: str = ""

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
    seeded_attributes: tuple[tuple[str, str], ...] = ()
    test: bool = False
    remark: str = ""
    sign_name: str = ""

    @property
    def variables(self) -> list[str]:
        """Variable names in order of first appearance."""
        return list(dict.fromkeys(VARIABLE.findall(self.content)))

    @property
    def attributes(self) -> dict[str, str]:
        """Each variable's attribute (``VariableAttribute``), in order of appearance."""
        seeded = dict(self.seeded_attributes)
        default = NUMBER_CAPTCHA if self.type == VERIFICATION else OTHERS
        return {name: seeded.get(name, default) for name in self.variables}

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


def _flag(entry: Mapping[str, Any], name: str, where: str) -> bool:
    value = entry.get(name, False)
    if not isinstance(value, bool):
        raise ValueError(f"{where}.{name} must be true or false")
    return value


def _attributes(entry: Mapping[str, Any], content: str, where: str) -> tuple[tuple[str, str], ...]:
    value = entry.get("variableAttribute", {})
    if not isinstance(value, Mapping):
        raise ValueError(f"{where}.variableAttribute must be an object of variable → attribute")
    variables = set(VARIABLE.findall(content))
    for name, attribute in value.items():
        if name not in variables:
            raise ValueError(f"{where}.variableAttribute names {name!r}, which is not a ${{variable}} of the content")
        if attribute not in ATTRIBUTES:
            raise ValueError(f"{where}.variableAttribute.{name} must be one of {list(ATTRIBUTES)}")
    return tuple(value.items())


def parse_sign(entry: Any, index: int) -> Sign:
    where = f"sms.signs[{index}]"
    if not isinstance(entry, Mapping):
        raise ValueError(f"{where} must be an object")
    scene = entry.get("scene", GENERAL)
    if scene not in SCENES:
        raise ValueError(f"{where}.scene must be one of {list(SCENES)}")
    return Sign(name=_text(entry, "name", where), status=_int_choice(entry, "status", STATUSES, where, APPROVED),
                reason=_text(entry, "reason", where, ""),
                create_date=_text(entry, "createDate", where, DEFAULT_CREATE_DATE), scene=scene,
                test=_flag(entry, "test", where), remark=_text(entry, "remark", where, ""),
                apply_scene=_text(entry, "applyScene", where, ""))


def parse_template(entry: Any, index: int) -> Template:
    where = f"sms.templates[{index}]"
    if not isinstance(entry, Mapping):
        raise ValueError(f"{where} must be an object")
    code = _text(entry, "code", where)
    content = _text(entry, "content", where)
    return Template(
        code=code,
        name=_text(entry, "name", where, code),
        type=_int_choice(entry, "type", TEMPLATE_TYPES, where, NOTIFICATION),
        status=_int_choice(entry, "status", STATUSES, where, APPROVED),
        content=content,
        reason=_text(entry, "reason", where, ""),
        create_date=_text(entry, "createDate", where, DEFAULT_CREATE_DATE),
        seeded_attributes=_attributes(entry, content, where),
        test=_flag(entry, "test", where),
        remark=_text(entry, "remark", where, ""),
        sign_name=_text(entry, "signName", where, ""),
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
        """The sign if it can send; ``isv.SIGN_STATE_ILLEGAL`` while it is not approved."""
        sign = self.sign(name)
        if sign.status != APPROVED:
            raise SignStateIllegal(detail=f"签名未审核通过(SignStatus {sign.status}): {name}")
        return sign

    def approved_template(self, code: str) -> Template:
        template = self.template(code)
        if template.status != APPROVED:
            raise TemplateIllegal(detail=f"模板未审核通过: {code}")
        return template


def check_pairing(sign: Sign, template: Template) -> None:
    """A verification-scene sign sends verification templates only (``isv.SMS_SIGNATURE_SCENE_ILLEGAL``);
    test signs and test templates go together (``isv.SMS_TEST_SIGN_TEMPLATE_LIMIT``)."""
    if sign.scene == VERIFICATION_SCENE and template.type != VERIFICATION:
        raise SignatureSceneIllegal(detail=f"验证码签名只能发送验证码模板: {sign.name} + {template.code}")
    if sign.test != template.test:
        kinds = ("测试" if sign.test else "正式", "测试" if template.test else "正式")
        raise TestSignTemplateLimit(detail=f"{kinds[0]}签名不能与{kinds[1]}模板一起使用: {sign.name} + {template.code}")
