"""Mainland China mobile numbers as Dysmsapi accepts them."""

from __future__ import annotations

import re

MOBILE = re.compile(r"^(?:\+?86|0086)?(1[3-9]\d{9})$")


def normalize_phone(raw: str) -> str | None:
    """The 11-digit number, with an optional ``+86`` / ``0086`` / ``86`` prefix removed; None if invalid.

    Example
    -------
    >>> normalize_phone("+8613800138000")
    '13800138000'
    >>> normalize_phone("12345") is None
    True
    """
    match = MOBILE.match(raw.strip())
    return match.group(1) if match else None
