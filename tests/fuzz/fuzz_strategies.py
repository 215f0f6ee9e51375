"""Hypothesis strategies for bad requests: each draws a :class:`Case` wrong in one named way.

Every value drawn here is wrong by construction (never filtered by a copy of the code under
test): wrong types, huge strings and lists, Unicode digits, NaN and Infinity, unknown fields,
bad JSON, bad content types, bad element names, bad base64 bodies, wrong methods and paths.
"""

from __future__ import annotations

import json
import string
from typing import Any

from fuzz_support import FULL_KEY, PHONE, SEND_BODY, Case, Raw
from hypothesis import strategies as st

ASCII_DIGITS = set(string.digits)
# Characters Python's \d and str.isdigit() take for digits though Aliyun does not: fullwidth,
# Arabic-Indic, Devanagari, superscripts, circled ...
unicode_digits = st.characters(categories=["Nd", "No"]).filter(lambda c: c not in ASCII_DIGITS)
huge_text = st.builds(lambda unit, n: unit * n, st.sampled_from(["x", "9", "张", "１", "\u200b", "a b"]),
                      st.integers(1_000, 300_000))
not_json_literals = st.sampled_from([Raw("NaN"), Raw("Infinity"), Raw("-Infinity"), Raw("1e400"), Raw("-1e999")])
huge_int_literal = st.integers(4_400, 6_000).map(lambda n: Raw("9" * n))  # past Python's int-to-str limit
other_json = st.one_of(st.none(), st.booleans(), st.floats(allow_nan=False, allow_infinity=False),
                       st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5), st.integers(),
                                                                               max_size=3))


def wrong_type(*, allowed: tuple[type, ...]) -> st.SearchStrategy[Any]:
    """A JSON value of a type the field does not take."""
    candidates = [st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False),
                  st.text(max_size=20), st.lists(st.integers(), max_size=3),
                  st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=3)]
    kinds = {type(None): 0, bool: 1, int: 2, float: 3, str: 4, list: 5, dict: 6}
    return st.one_of([s for s, index in zip(candidates, range(7), strict=True)
                      if index not in {kinds[t] for t in allowed}])


# -- phone numbers ---------------------------------------------------------------------------

def _with_unicode_digit(draw: Any) -> str:
    digits = list(PHONE)
    for index in draw(st.sets(st.integers(0, 10), min_size=1, max_size=11)):
        digits[index] = draw(unicode_digits)
    return "".join(digits)


@st.composite
def bad_phone(draw: Any) -> Any:
    """Anything but a mainland mobile number, in the forms a caller might send one."""
    kind = draw(st.sampled_from(["unicode", "second digit", "length", "letters", "foreign", "int", "float",
                                 "huge", "huge int", "not json", "type", "empty"]))
    if kind == "unicode":
        return draw(st.sampled_from(["", "+86", "0086", "86"])) + _with_unicode_digit(draw)
    if kind == "second digit":  # 10, 11, 12 start no mobile number
        return "1" + draw(st.sampled_from("012")) + draw(st.text(string.digits, min_size=9, max_size=9))
    if kind == "length":
        n = draw(st.one_of(st.integers(0, 9), st.integers(11, 40)))  # never the 10 after the 1 of a mobile
        return "1" + draw(st.text(string.digits, min_size=n, max_size=n)) if n else ""
    if kind == "letters":
        text = list(PHONE)
        text[draw(st.integers(0, 10))] = draw(st.sampled_from(string.ascii_letters + "+*#.,/"))
        return "".join(text)
    if kind == "foreign":
        return draw(st.sampled_from(["+1 415 555 2671", "+44 7911 123456", "+852 6123 4567", "001" + PHONE,
                                     "+8513800138000", "+87 13800138000"]))
    if kind == "int":
        return draw(st.one_of(st.integers(max_value=10**10), st.integers(min_value=10**16, max_value=10**100),
                              st.integers(-(10**12), -1), st.integers(10**10, 13 * 10**9 - 1)))
    if kind == "float":
        return draw(st.sampled_from([13800138000.0, 1.38e10, 0.5])) if draw(st.booleans()) else draw(
            not_json_literals)
    if kind == "huge":
        return draw(huge_text)
    if kind == "huge int":
        return draw(huge_int_literal)
    if kind == "type":
        return draw(st.one_of(st.none(), st.booleans(), st.lists(st.just(PHONE), max_size=2),
                              st.dictionaries(st.just("phone"), st.just(PHONE))))
    return draw(st.sampled_from(["", " ", "-", "()", "+86"]))


# -- POST /messages ---------------------------------------------------------------------------

element_name_typos = st.one_of(
    st.sampled_from(["bad name!", "x", "SMS", "SMS.", ".Default", "SMS..Default", "SMS.Default ", " SMS.Default",
                     "SMS/Default", "SMS.Défault", "SMS.Default\n", "SMS.1st", "SMS.De-fault", "SMS.默认", ""]),
    st.text(max_size=30).filter(lambda t: "." not in t),  # no <Meta>.<Name> without a dot
    st.builds(lambda n: "SMS." + "x" * n, st.integers(125, 5_000)),
    huge_text,
)
unknown_element = st.sampled_from(["SMS.Nope", "SMS.Default.Extra", "Directory.Default", "Verify.Default",
                                   "Nope.Default", "SMS.default", "SMS._"])
bad_template_code = st.one_of(
    st.sampled_from(["", "   ", "SMS 1", "SMS_1;DROP", "SMS_１２３", "SMS_1\n2", "短信模板", "SMS_1\u200b",
                     "../SMS_1"]),
    st.builds(lambda n: "SMS_" + "1" * n, st.integers(61, 70_000)),
    huge_text,
)
bad_param_value = st.one_of(
    not_json_literals, huge_int_literal,
    st.integers(min_value=10**35, max_value=10**300), st.integers(max_value=-(10**35), min_value=-(10**300)),
    st.text(min_size=36, max_size=200), huge_text,
    st.none(), st.booleans(), st.lists(st.text(max_size=3), max_size=2), st.dictionaries(st.text(max_size=3),
                                                                                         st.text(max_size=3)),
)
bad_params = st.one_of(
    # one wrong value beside the right ones: were it taken, the message would go out
    st.tuples(st.sampled_from(["name", "order", "extra"]), bad_param_value).map(
        lambda kv: {**SEND_BODY["params"], kv[0]: kv[1]}),
    st.dictionaries(st.text(min_size=1, max_size=10), bad_param_value, min_size=1, max_size=3).map(
        lambda bad: {**SEND_BODY["params"], **bad}),
    st.builds(lambda n: {**SEND_BODY["params"], **{f"p{i}": "v" for i in range(n)}}, st.integers(49, 5_000)),
    st.builds(lambda n: {**SEND_BODY["params"], "k" * n: "v"}, st.integers(65, 10_000)),  # a name too long
    st.just({**SEND_BODY["params"], "": "v"}),
    wrong_type(allowed=(dict,)),
)
bad_phone_list = st.one_of(
    st.lists(bad_phone(), min_size=1, max_size=4).flatmap(
        lambda bad: st.permutations([PHONE, *bad])),  # one or more wrong among right ones
    st.builds(lambda n: [PHONE] * n, st.integers(10_001, 12_000)),  # too many
    st.sampled_from([[], None]),  # nobody to text (and no recipients)
    wrong_type(allowed=(list, type(None))),
)
bad_ids = st.one_of(
    st.builds(lambda n: ["u1"] * n, st.integers(1_001, 3_000)),
    st.lists(st.one_of(st.just(""), st.builds(lambda n: "u" * n, st.integers(129, 5_000)),
                       wrong_type(allowed=(str,))), min_size=1, max_size=3),
    wrong_type(allowed=(list,)),
)
bad_recipients = st.one_of(
    st.builds(lambda field, ids: {field: ids}, st.sampled_from(["members", "departments", "roles"]), bad_ids),
    st.dictionaries(st.text(min_size=1, max_size=10).filter(lambda k: k not in ("members", "departments", "roles")),
                    st.lists(st.text(max_size=5), max_size=2), min_size=1, max_size=2),
    wrong_type(allowed=(dict, type(None))),
)
unknown_field = st.text(min_size=1, max_size=20).filter(lambda k: k not in SEND_BODY and k not in (
    "recipients", "directory"))


@st.composite
def bad_send_body(draw: Any) -> Case:
    """A POST /messages body wrong in one field, named in ``expect``."""
    body: dict[str, Any] = json.loads(json.dumps(SEND_BODY))
    field = draw(st.sampled_from(["service", "service", "templateCode", "params", "phoneList", "recipients",
                                  "directory", "unknown", "missing"]))
    if field == "service":
        body["service"] = draw(st.one_of(element_name_typos, unknown_element, wrong_type(allowed=(str,))))
    elif field == "templateCode":
        body["templateCode"] = draw(st.one_of(bad_template_code, wrong_type(allowed=(str,))))
    elif field == "params":
        body["params"] = draw(bad_params)
    elif field == "phoneList":
        body["phoneList"] = draw(bad_phone_list)
        if body["phoneList"] in ([], None):
            return Case(body, ("phoneList",))  # "give phoneList and/or recipients"
    elif field == "recipients":
        body["recipients"] = draw(bad_recipients)
        if draw(st.booleans()):
            del body["phoneList"]
    elif field == "directory":
        body.update(directory=draw(st.one_of(element_name_typos, wrong_type(allowed=(str, type(None))))),
                    recipients={"roles": ["approver"]})
    elif field == "unknown":
        field = draw(unknown_field)
        body[field] = draw(other_json)
    else:
        field = draw(st.sampled_from(["service", "templateCode"]))
        del body[field]
    return Case(body, (field[:64],))


# -- POST /codes and /codes/verify --------------------------------------------------------------

bad_purpose = st.one_of(
    st.text(max_size=70).filter(lambda p: p not in ("login", "register", "reset")),
    st.sampled_from(["LOGIN", "login ", "ｌｏｇｉｎ", "log\u200bin", "reset\n"]), huge_text, wrong_type(allowed=(str,)),
)
bad_code = st.one_of(
    # an ASCII code with at least one character that is no letter or digit (nor a space or dash)
    st.tuples(st.text(string.ascii_letters + string.digits, max_size=10),
              st.one_of(unicode_digits, st.sampled_from(list("._!#,+/*=@１２３") + ["\u200b", "😀", "码"])),
              st.text(string.digits, max_size=10)).map("".join),
    st.sampled_from(["", " ", "   ", "\t", "- -", "\u3000", "--"]),
    st.builds(lambda n: "1" * n, st.integers(33, 5_000)), wrong_type(allowed=(str,)),
)


@st.composite
def bad_code_body(draw: Any, *, verify: bool) -> Case:
    """A POST /codes (or /codes/verify) body wrong in one field, named in ``expect``."""
    body: dict[str, Any] = {"phone": PHONE, "purpose": "login"}
    if verify:
        body["code"] = "123456"
    fields = ["phone", "phone", "purpose", "unknown", "missing"] + (["code", "code"] if verify else [])
    field = draw(st.sampled_from(fields))
    if field == "phone":
        body["phone"] = draw(bad_phone())
    elif field == "purpose":
        body["purpose"] = draw(bad_purpose)
    elif field == "code":
        body["code"] = draw(bad_code)
    elif field == "unknown":
        field = draw(st.text(min_size=1, max_size=20).filter(lambda k: k not in body))
        body[field] = draw(other_json)
    else:
        field = draw(st.sampled_from(sorted(body)))
        del body[field]
    return Case(body, (field[:64],))


# -- the request around the body -------------------------------------------------------------------

def not_json_body(valid: dict[str, Any]) -> st.SearchStrategy[Case]:
    """A body that is no JSON object: broken text, bytes, other JSON values, deep nesting."""
    text = json.dumps(valid, ensure_ascii=False)
    return st.one_of(
        st.integers(0, len(text) - 1).map(lambda n: text[:n]),  # cut short
        st.text(min_size=1, max_size=10).map(lambda tail: text + tail).filter(lambda t: t.strip() != text),
        st.binary(min_size=1, max_size=200).filter(lambda b: b.strip() not in (b"", b"{}")),
        st.sampled_from(["", "null", "[]", "\"x\"", "1", "true", "{", "}", "{'a': 1}", text.replace('"', "'")]),
        st.integers(200, 100_000).map(lambda n: "[" * n + "]" * n),
        st.just(text.encode("utf-16")),
        st.just(b"\xff\xfe" + text.encode("utf-8")),
    ).map(lambda body: Case(body if isinstance(body, bytes) else Raw(body), ("body",)))


def bad_content_type(valid: dict[str, Any]) -> st.SearchStrategy[Case]:
    other = st.one_of(
        st.sampled_from(["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                         "application/xml", "application/jsonp", "application/json-patch+json", "json",
                         "application/ json", "application/json\x00", "text/json", "*/*", ""]),
        st.text(max_size=40).filter(lambda t: t.split(";")[0].strip().lower() != "application/json"),
    )
    headers = st.one_of(other.map(lambda t: {"Content-Type": t}), st.just({}))
    return headers.map(lambda h: Case(valid, ("Content-Type",), headers=h))


def oversized(valid: dict[str, Any], limit: int) -> st.SearchStrategy[Case]:
    size = len(json.dumps(valid, ensure_ascii=False).encode("utf-8"))
    return st.integers(limit - size + 20, limit - size + 5_000).map(
        lambda n: Case({**valid, "padding": "x" * n}, ("request body is",)))


def bad_base64(valid: dict[str, Any]) -> st.SearchStrategy[Case]:
    import base64

    text = base64.b64encode(json.dumps(valid).encode()).decode()
    not_base64 = st.one_of(
        st.text(min_size=1, max_size=50).filter(lambda t: not _b64(t)),
        st.integers(1, len(text) - 1).map(lambda n: text[:n]).filter(lambda t: not _b64(t)),
        st.just(text.replace("=", "") + "!"), st.just(text[:-2] + "é"),
    )
    return not_base64.map(lambda raw: Case(valid, ("base64",), base64=False, raw_base64=raw))


def _b64(text: str) -> bool:
    import base64
    import binascii

    try:
        base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


def wrong_route(valid: dict[str, Any], path: str, allowed: tuple[str, ...]) -> st.SearchStrategy[Case]:
    """A method the route does not take, or a path no route has (or one whose route takes another method)."""
    methods = st.sampled_from(["GET", "PUT", "DELETE", "PATCH", "HEAD", "TRACE", "OPTIONS", "CONNECT"]).filter(
        lambda m: m not in allowed)
    paths = st.one_of(
        st.sampled_from([path + "x", path + "/extra", "/", "/admin", path.upper(), "/_emulator/sms/messages",
                         "/codes/verify/x", "/messages/../codes"]),
        st.text(min_size=1, max_size=30).map(lambda t: "/" + t.strip("/")).filter(
            lambda p: "/" + p.strip("/") not in ("/messages", "/codes", "/codes/verify")),
    )
    return st.one_of(methods.map(lambda m: Case(valid, (f"{m} is not allowed",), method=m)),
                     paths.map(lambda p: Case(valid, ("no route for", "is not allowed on"), path=p)))  # /messages/x


bad_idempotency_key = st.one_of(
    st.sampled_from(["", " ", "a b", "ключ", "key\n", "\x7f", "é"]),
    st.builds(lambda n: "k" * n, st.integers(256, 5_000)),
    st.text(min_size=1, max_size=30).filter(lambda k: not (k.isascii() and k.isprintable() and " " not in k)),
)
authorization = st.one_of(
    st.none(),
    st.text(max_size=60).map(lambda t: "Bearer " + t).filter(lambda h: h[7:].strip() != FULL_KEY),
    st.sampled_from(["Basic", "Token", "Key", "Bearer" + FULL_KEY[:1], ""]).map(lambda s: f"{s} {FULL_KEY}"),
    st.sampled_from(["", "Bearer", "Bearer ", FULL_KEY, "bearer:" + FULL_KEY]),
    st.integers(0, len(FULL_KEY) - 1).map(lambda n: "Bearer " + FULL_KEY[:n]),
    st.text(string.ascii_letters + string.digits, min_size=1, max_size=3).map(lambda t: "Bearer " + FULL_KEY + t),
    st.builds(lambda n: "Bearer " + "x" * n, st.integers(1_000, 100_000)),
)


def huge_number_in(value: Any) -> bool:
    """Whether ``value`` holds an integer too long for JSON parsers (no field can be named then)."""
    if isinstance(value, Raw):
        return value.text.isdigit() and len(value.text) > 4_000
    if isinstance(value, dict):
        return any(huge_number_in(item) for item in value.values())
    if isinstance(value, list):
        return any(huge_number_in(item) for item in value)
    return False
