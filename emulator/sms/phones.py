"""Mainland China mobile numbers as Dysmsapi accepts them: ASCII digits only.

``\\d`` in a ``str`` pattern also matches fullwidth (``７``), Arabic-Indic (``٠``) and every other
Unicode decimal digit; Aliyun answers ``isv.MOBILE_NUMBER_ILLEGAL`` for those, so the pattern
names ``[0-9]``.
"""

from __future__ import annotations

import re

MOBILE = re.compile(r"^(?:\+?86|0086)?(1[3-9][0-9]{9})$")
PLAIN_LIST = re.compile(r"(?:1[3-9][0-9]{9},)*1[3-9][0-9]{9}")  # the usual PhoneNumbers: nothing to normalise


def normalize_phone(raw: str) -> str | None:
    """The 11-digit number, with an optional ``+86`` / ``0086`` / ``86`` prefix removed; None if invalid.

    Example
    -------
    >>> normalize_phone("+8613800138000")
    '13800138000'
    >>> normalize_phone("12345") is None
    True
    >>> normalize_phone("13\uff1700070001") is None  # a fullwidth 7
    True
    """
    match = MOBILE.match(raw.strip())
    return match.group(1) if match else None


def normalize_phones(items: list[str]) -> list[str | None]:
    """``normalize_phone`` of each item. A list of plain 11-digit numbers (a 1,000-number SendSms) is
    checked with one match; the length check keeps an item holding a comma from passing as two."""
    joined = ",".join(items)
    if len(joined) == 12 * len(items) - 1 and PLAIN_LIST.fullmatch(joined):
        return list(items)
    return [normalize_phone(item) for item in items]
