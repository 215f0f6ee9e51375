import json

import pytest

from shared.errors import InvalidParameterError
from shared.sms.message import check_template_code, encode_params


def test_numbers_become_strings_and_unicode_is_kept():
    encoded = encode_params({"code": 1234, "amount": 9.5, "name": "张三"})
    assert json.loads(encoded) == {"code": "1234", "amount": "9.5", "name": "张三"}
    assert "张三" in encoded


def test_empty_params_send_no_template_param():
    assert encode_params({}) is None


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        (None, "params is required"),
        (["a"], "must be an object"),
        ("{}", "must be an object"),
        ({"a": {"b": 1}}, "params.a"),
        ({"a": [1]}, "params.a"),
        ({"a": None}, "params.a"),
        ({"a": True}, "params.a"),
        ({1: "x"}, "keys"),
    ],
)
def test_bad_params_are_46001_naming_the_problem(params, fragment):
    with pytest.raises(InvalidParameterError, match=fragment) as info:
        encode_params(params)
    assert info.value.code == 46001


@pytest.mark.parametrize("code", [None, "", "   ", 123])
def test_template_code_required(code):
    with pytest.raises(InvalidParameterError, match="verifyTemplateCode"):
        check_template_code(code)


def test_template_code_trimmed():
    assert check_template_code(" SMS_1 ") == "SMS_1"
