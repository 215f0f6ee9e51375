"""Mainland China mobile numbers: validation and normalisation."""

from __future__ import annotations

import re

from shared.errors import InvalidParameterError

_SEPARATORS = re.compile(r"[\s\-()]")
_MOBILE = re.compile(r"1[3-9]\d{9}")
_PREFIXES = ("+86", "0086", "86")


def normalize_phone(raw: object) -> str:
    """Return the 11-digit form of a mainland mobile number, or raise 46001.

    Accepts ``+86``, ``0086`` and ``86`` prefixes, spaces, dashes and parentheses;
    an int is taken as its digits.
    """
    if type(raw) is str and _MOBILE.fullmatch(raw):
        return raw  # the common case, already normalised
    if isinstance(raw, bool) or not isinstance(raw, (str, int)):
        raise InvalidParameterError(f"phone number must be a string, got {type(raw).__name__}")
    text = _SEPARATORS.sub("", str(raw))
    for prefix in _PREFIXES:
        if text.startswith(prefix) and len(text) == len(prefix) + 11:
            text = text[len(prefix):]
            break
    if not _MOBILE.fullmatch(text):
        raise InvalidParameterError(f"not a mainland mobile number: {mask_phone(str(raw))}")
    return text


def normalize_phone_list(phone_list: object) -> list[str]:
    """Validate and normalise a phone list; a number listed twice appears once (first place)."""
    if phone_list is None:
        raise InvalidParameterError("phoneList is required")
    if not isinstance(phone_list, (list, tuple)):
        raise InvalidParameterError(f"phoneList must be a list, got {type(phone_list).__name__}")
    if not phone_list:
        raise InvalidParameterError("phoneList is empty")
    unique: dict[str, None] = {}
    for index, raw in enumerate(phone_list):
        try:
            unique[normalize_phone(raw)] = None
        except InvalidParameterError as error:
            raise InvalidParameterError(f"phoneList[{index}]: {error.message}") from None
    return list(unique)


def mask_phone(phone: str) -> str:
    """Mask a number for logs: ``13800138000`` → ``138****8000``; short strings become ``****``."""
    digits = _SEPARATORS.sub("", phone)
    if len(digits) < 7:
        return "****"
    return f"{digits[:3]}****{digits[-4:]}"
