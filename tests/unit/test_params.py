import json
import re

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
        ({1: "x"}, "params: a key must be a non-empty string"),
    ],
)
def test_bad_params_are_46001_naming_the_problem(params, fragment):
    with pytest.raises(InvalidParameterError, match=fragment) as info:
        encode_params(params)
    assert info.value.code == 46001


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"x": float("nan")}, "params.x must be a finite number, got nan"),
        ({"x": float("inf")}, "params.x must be a finite number, got inf"),
        ({"x": float("-inf")}, "params.x must be a finite number, got -inf"),
        ({"x": "v" * 36}, "params.x must be at most 35 characters, got 36"),
        ({"x": 10**35}, "params.x must be at most 35 characters"),
        ({"x": 10**5000}, "params.x must be at most 35 characters"),  # str() of it would raise ValueError
        ({"x": -(10**40)}, "params.x must be at most 35 characters"),
        ({"k" * 65: "v"}, "params: a key must be at most 64 characters, got 65"),
        ({"": "v"}, "params: a key must be a non-empty string, got an empty one"),
        ({str(i): "v" for i in range(51)}, "params has 51 entries; at most 50"),
    ],
    ids=["nan", "inf", "-inf", "36 chars", "36 digits", "huge int", "negative", "long key", "empty key", "51 params"],
)
def test_params_beyond_what_aliyun_takes_are_46001_naming_the_param(params, fragment):
    with pytest.raises(InvalidParameterError, match=re.escape(fragment)) as info:
        encode_params(params)
    assert "v" * 36 not in info.value.message  # a value is never echoed


def test_params_at_the_bounds_pass():
    params = {f"{i:0>64}": "v" * 35 for i in range(50)}
    assert json.loads(encode_params(params)) == params
    assert json.loads(encode_params({"n": 10**34, "f": -1.5e300})) == {"n": str(10**34), "f": "-1.5e+300"}


@pytest.mark.parametrize(("code", "fragment"), [
    ("S" * 65, "verifyTemplateCode must be at most 64 characters, got 65"),
    ("SMS 1", "verifyTemplateCode must be letters, digits"),
    ("SMS_１２３", "verifyTemplateCode must be letters, digits"),
    ("SMS_1\n2", "verifyTemplateCode must be letters, digits"),
])
def test_template_code_beyond_a_code_is_refused(code, fragment):
    with pytest.raises(InvalidParameterError, match=re.escape(fragment)):
        check_template_code(code)
    assert check_template_code("S" * 64) == "S" * 64


@pytest.mark.parametrize("code", [None, "", "   ", 123])
def test_template_code_required(code):
    with pytest.raises(InvalidParameterError, match="verifyTemplateCode"):
        check_template_code(code)


def test_template_code_trimmed():
    assert check_template_code(" SMS_1 ") == "SMS_1"
