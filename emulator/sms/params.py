"""Template variables: parsing ``TemplateParam`` and Aliyun's rules for the values.

Rules, checked in this order over all variables of the template:

1. ``TemplateParam`` must be a JSON object whose values are all strings → ``isv.INVALID_JSON_PARAM``;
2. every ``${var}`` needs a non-empty value → ``isv.TEMPLATE_MISSING_PARAMETERS``;
3. no value may be longer than :data:`MAX_VALUE_LENGTH` (35) characters → ``isv.PARAM_LENGTH_LIMIT``
   (Aliyun's per-variable-type limits vary; 35 is the emulator's single rule);
4. no value may contain a URL (``http://``, ``https://``, ``www.`` or a ``name.tld`` host) →
   ``isv.PARAM_NOT_SUPPORT_URL``;
5. every value must fit its variable's attribute (:mod:`emulator.sms.variables`: ``numberCaptcha``
   4–6 digits, ``phone_number2`` a phone number, ...) → ``isv.TEMPLATE_PARAMS_ILLEGAL``;
6. a test template's values must be 4–6 digits → ``isv.SMS_TEST_TEMPLATE_PARAMS_ILLEGAL``
   (Aliyun's message for the code says so: "测试专用模板中的变量仅支持4~6位纯数字").

Keys the template does not use are accepted and kept.
"""

from __future__ import annotations

import json
import re
from typing import Any

from emulator.sms.catalog import Template
from emulator.sms.errors import (
    InvalidJsonParam,
    ParamLengthLimit,
    ParamNotSupportUrl,
    TemplateMissingParameters,
    TemplateParamsIllegal,
    TestTemplateParamsIllegal,
)
from emulator.sms.variables import NUMBER_CAPTCHA, fits

MAX_VALUE_LENGTH = 35
URL = re.compile(
    r"(?i)(?:https?://|www\.|\b[a-z0-9-]+\.(?:com|cn|net|org|top|xyz|io|cc|me|info|vip|shop|site|club|link)\b)"
)


def parse_param_object(value: Any) -> dict[str, str]:
    """A decoded JSON value → a dict of strings, or ``isv.INVALID_JSON_PARAM``."""
    if not isinstance(value, dict):
        raise InvalidJsonParam(detail="JSON参数不合法: 模板参数须为JSON对象")
    bad = [key for key, item in value.items() if not isinstance(item, str)]
    if bad:
        raise InvalidJsonParam(detail=f"JSON参数不合法，只接受字符串值: {', '.join(bad)}")
    return dict(value)


def parse_template_param(text: str | None) -> dict[str, str]:
    """``TemplateParam`` text → dict; absent or blank means no values."""
    if text is None or not text.strip():
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        raise InvalidJsonParam(detail="JSON参数不合法: TemplateParam不是合法的JSON") from None
    return parse_param_object(value)


def check_params(template: Template, params: dict[str, str]) -> None:
    """Apply the module's rules 2–6 to the values the template uses."""
    missing = [name for name in template.variables if not params.get(name)]
    if missing:
        raise TemplateMissingParameters(detail=f"模板缺少变量: {', '.join(missing)}")
    values = {name: params[name] for name in template.variables}
    too_long = [name for name, value in values.items() if len(value) > MAX_VALUE_LENGTH]
    if too_long:
        raise ParamLengthLimit(detail=f"参数超出长度限制({MAX_VALUE_LENGTH}): {', '.join(too_long)}")
    with_url = [name for name, value in values.items() if URL.search(value)]
    if with_url:
        raise ParamNotSupportUrl(detail=f"变量不支持URL: {', '.join(with_url)}")
    attributes = template.attributes
    bad = [f"{name}({attributes[name]})" for name, value in values.items() if not fits(attributes[name], value)]
    if bad:
        raise TemplateParamsIllegal(detail=f"变量内容与变量属性不符: {', '.join(bad)}")
    if template.test:
        bad = [name for name, value in values.items() if not fits(NUMBER_CAPTCHA, value)]
        if bad:
            raise TestTemplateParamsIllegal(detail=f"测试模板变量须为4~6位纯数字: {', '.join(bad)}")
