"""Template variable attributes (变量属性) and the values Aliyun accepts for each.

A template's ``VariableAttribute`` (GetSmsTemplate; ``TemplateRule`` when it is created) maps each
``${var}`` to an attribute. SendSms checks every value against its variable's attribute and answers
``isv.TEMPLATE_PARAMS_ILLEGAL`` when it does not fit ("传入的变量内容和实际申请模板时变量所选择的属性类型不配",
https://developer.aliyun.com/ask/651530).

Sources: "TemplateRule&TemplateContent参数填写示例" (https://help.aliyun.com/document_detail/2806243.html)
publishes the attribute names and the rules for ``numberCaptcha`` (4–6 digits),
``characterWithNumber2`` (letters and digits, 4–6), ``phone_number2`` (a mainland mobile number, or a
fixed line of 5–13 digits and dashes, at most 15 characters) and ``time`` (dates and times, no
underscores or other special symbols); "申请短信模板" (https://help.aliyun.com/document_detail/108088.htm)
the 1–35 characters of every variable (checked by :mod:`emulator.sms.params`). The rules for
``money`` and ``other_number2`` are the emulator's reading of the attribute names; ``name``,
``user_nick``, ``unit_name``, ``address``, ``link_param`` and ``others`` get only the common rules.
"""

from __future__ import annotations

import re
from collections.abc import Callable

NUMBER_CAPTCHA = "numberCaptcha"
OTHERS = "others"
MOBILE = re.compile(r"1[0-9]{10}")
FIXED_LINE = re.compile(r"[0-9-]{5,15}")
TIME = re.compile(r"(?=.*[0-9])[0-9 :/.\-年月日时点分秒上下中晚早午凌晨]+")


def _pattern(regex: str) -> Callable[[str], bool]:
    compiled = re.compile(regex)
    return lambda value: compiled.fullmatch(value) is not None


def _phone(value: str) -> bool:
    if MOBILE.fullmatch(value):
        return True
    digits = sum(char.isdigit() for char in value)
    return FIXED_LINE.fullmatch(value) is not None and 5 <= digits <= 13


def _any(value: str) -> bool:
    return True


RULES: dict[str, Callable[[str], bool]] = {
    NUMBER_CAPTCHA: _pattern(r"[0-9]{4,6}"),
    "characterWithNumber2": _pattern(r"[A-Za-z0-9]{4,6}"),
    "phone_number2": _phone,
    "time": lambda value: TIME.fullmatch(value) is not None,
    "money": _pattern(r"[0-9]+(\.[0-9]+)?"),
    "other_number2": _pattern(r"[A-Za-z0-9_/.#-]+"),  # order numbers such as ORD-7731, A/1
    "name": _any,
    "user_nick": _any,
    "unit_name": _any,
    "address": _any,
    "link_param": _any,
    OTHERS: _any,
}
ATTRIBUTES = tuple(RULES)


def fits(attribute: str, value: str) -> bool:
    """Whether ``value`` is acceptable for a variable of ``attribute``."""
    return RULES[attribute](value)
