"""One template SMS, validated once at its edge and carried typed from there to SendSms."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any, NamedTuple

from shared.errors import InvalidParameterError
from shared.sms.phones import normalize_phone_list
from shared.validation import is_utf8

# What a send may carry: README "Input bounds" gives each value's source.
MAX_TEMPLATE_CODE_CHARS = 64  # our choice: Aliyun's codes read SMS_ and digits
_TEMPLATE_CODE = re.compile(r"[A-Za-z0-9_\-]+")
MAX_PARAMS = 50  # our choice: a template is at most 500 characters, variables included
MAX_PARAM_NAME_CHARS = 64  # our choice
MAX_PARAM_CHARS = 35  # Aliyun: a notification template's variable takes at most 35 characters
_LONGEST_INT = 10**MAX_PARAM_CHARS  # str() of a huge int raises; an int this long is too long anyway


class Message(NamedTuple):
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
    if len(params) > MAX_PARAMS:
        raise InvalidParameterError(f"params has {len(params)} entries; at most {MAX_PARAMS}")
    encoded: dict[str, str] = {}
    for key, value in params.items():
        try:
            name = check_param_name(key)
        except InvalidParameterError as error:
            raise InvalidParameterError(f"params: {error.message}") from None
        try:
            encoded[name] = param_text(value)
        except InvalidParameterError as error:
            raise InvalidParameterError(f"params.{name} {error.message}") from None
    return template_param(encoded)


def check_param_name(key: Any) -> str:
    """A template variable's name: a non-empty string of at most :data:`MAX_PARAM_NAME_CHARS`."""
    if not isinstance(key, str) or not key:
        got = "an empty one" if key == "" else type(key).__name__
        raise InvalidParameterError(f"a key must be a non-empty string, got {got}")
    if len(key) > MAX_PARAM_NAME_CHARS:
        raise InvalidParameterError(f"a key must be at most {MAX_PARAM_NAME_CHARS} characters, got {len(key)}")
    if not is_utf8(key):
        raise InvalidParameterError("a key must be Unicode text: it holds a lone surrogate")
    return key


def param_text(value: Any) -> str:
    """One variable's value as Aliyun takes it: a string of at most 35 characters, or a finite
    number as its digits. The 46001 says what is wrong with the value (never the value itself):
    the caller names the parameter."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise InvalidParameterError(f"must be a string or a number, got {type(value).__name__}")
    if isinstance(value, float) and not math.isfinite(value):
        raise InvalidParameterError(f"must be a finite number, got {value}")  # nan, inf or -inf
    if isinstance(value, int) and not -_LONGEST_INT < value < _LONGEST_INT:
        raise InvalidParameterError(f"must be at most {MAX_PARAM_CHARS} characters, got a number of more")
    text = value if isinstance(value, str) else str(value)
    if len(text) > MAX_PARAM_CHARS:
        raise InvalidParameterError(f"must be at most {MAX_PARAM_CHARS} characters, got {len(text)}")
    if not is_utf8(text):
        raise InvalidParameterError("must be Unicode text: it holds a lone surrogate")
    return text


def template_param(params: Mapping[str, str | int | float]) -> str | None:
    """Values already checked as Aliyun's ``TemplateParam`` JSON (None for no variables)."""
    encoded = {key: value if isinstance(value, str) else str(value) for key, value in params.items()}
    return json.dumps(encoded, ensure_ascii=False, separators=(",", ":")) if encoded else None


def check_template_code(code: Any, field: str = "verifyTemplateCode") -> str:
    """The template code, trimmed; a 46001 naming ``field`` when it is missing or cannot be a code."""
    try:
        return template_code(code)
    except InvalidParameterError as error:
        raise InvalidParameterError(f"{field} {error.message}") from None


def template_code(code: Any) -> str:
    """:func:`check_template_code` whose 46001 says what is wrong, the caller naming the field."""
    if not isinstance(code, str) or not code.strip():
        raise InvalidParameterError("is required (e.g. 'SMS_123456789')")
    code = code.strip()
    if len(code) > MAX_TEMPLATE_CODE_CHARS:
        raise InvalidParameterError(f"must be at most {MAX_TEMPLATE_CODE_CHARS} characters, got {len(code)}")
    if not _TEMPLATE_CODE.fullmatch(code):
        raise InvalidParameterError("must be letters, digits, '_' and '-' (e.g. 'SMS_123456789')")
    return code
