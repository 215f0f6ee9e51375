"""One template SMS, validated once at its edge and carried typed from there to SendSms."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shared.errors import InvalidParameterError
from shared.sms.phones import normalize_phone_list


@dataclass(frozen=True)
class Message:
    """Normalised numbers, a template code and Aliyun's ``TemplateParam`` JSON: nothing left to check.

    Build it with :meth:`parse` from a caller's raw values, or directly from values already
    validated (a directory's numbers, a policy's template): it is never validated a second time.
    """

    phones: tuple[str, ...]
    template_code: str
    template_param: str | None = None

    @classmethod
    def parse(cls, phoneList: Any, params: Any, verifyTemplateCode: Any) -> Message:  # noqa: N803 - JitAi's names
        """``sendMessage``'s arguments, checked in its order; a 46001 names the first wrong one."""
        phones = tuple(normalize_phone_list(phoneList))
        template_param = encode_params(params)
        return cls(phones, check_template_code(verifyTemplateCode), template_param)

    def split(self, size: int) -> list[Message]:
        """The same message in parts of at most ``size`` numbers (one SendSms call each)."""
        return [Message(self.phones[i : i + size], self.template_code, self.template_param)
                for i in range(0, len(self.phones), size)]


def encode_params(params: Any) -> str | None:
    """Template parameters as Aliyun's ``TemplateParam`` JSON; numbers become strings."""
    if params is None:
        raise InvalidParameterError("params is required (use {} for a template without variables)")
    if not isinstance(params, dict):
        raise InvalidParameterError(f"params must be an object, got {type(params).__name__}")
    encoded: dict[str, str] = {}
    for key, value in params.items():
        if not isinstance(key, str) or not key:
            raise InvalidParameterError(f"params keys must be non-empty strings, got {key!r}")
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise InvalidParameterError(f"params.{key} must be a string or a number, got {type(value).__name__}")
        encoded[key] = value if isinstance(value, str) else str(value)
    return template_param(encoded)


def template_param(params: Mapping[str, str | int | float]) -> str | None:
    """Values already checked as Aliyun's ``TemplateParam`` JSON (None for no variables)."""
    encoded = {key: value if isinstance(value, str) else str(value) for key, value in params.items()}
    return json.dumps(encoded, ensure_ascii=False, separators=(",", ":")) if encoded else None


def check_template_code(code: Any) -> str:
    if not isinstance(code, str) or not code.strip():
        raise InvalidParameterError("verifyTemplateCode is required (e.g. 'SMS_123456789')")
    return code.strip()
