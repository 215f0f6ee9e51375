"""send_sms ``POST /messages`` under bad input, with and without an API key, through the real handler.

Each example is one wrong request (``fuzz_strategies``); ``refused`` checks its answer: a 4xx naming
what is wrong, no traceback, no full number in the logs, nothing texted. Afterwards a right request
still sends, once.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import replace

import fuzz_strategies as fs
from fuzz_support import FULL_KEY, PHONE, SEND_BODY, Case, Raw, context, encode, event, refused
from hypothesis import example, given
from hypothesis import strategies as st

from functions.send_sms.index import handler

LIMIT = 1024 * 1024  # SMS_MAX_BODY_BYTES's default

with_key = st.one_of(
    fs.bad_send_body(), fs.bad_send_body(), fs.bad_send_body(), fs.bad_send_body(), fs.bad_send_body(),
    fs.not_json_body(SEND_BODY), fs.bad_content_type(SEND_BODY), fs.oversized(SEND_BODY, LIMIT),
    fs.bad_base64(SEND_BODY), fs.wrong_route(SEND_BODY, "/messages", ("POST", "GET")),
    fs.bad_idempotency_key.map(lambda key: Case(SEND_BODY, ("Idempotency-Key",), headers={
        "Content-Type": "application/json", "Idempotency-Key": key})),
)


# What the probe behind issue 12 found, tried on every run before anything random.
FOUND = [
    Case({**SEND_BODY, "service": "bad name!"}, ("service",)),  # a 500, replayed for 24 h under a key
    Case({**SEND_BODY, "service": "x"}, ("service",)),
    Case({**SEND_BODY, "directory": "x", "recipients": {"roles": ["approver"]}}, ("directory",)),
    Case({**SEND_BODY, "params": {"name": "张三", "order": Raw("NaN")}}, ("params",)),  # texted as "nan"
    Case({**SEND_BODY, "params": {"name": "张三", "order": Raw("Infinity")}}, ("params",)),  # texted as "inf"
    Case({**SEND_BODY, "params": {"name": "张三", "order": Raw("1e400")}}, ("params",)),
    Case({**SEND_BODY, "params": {"name": "张三" * 35_000, "order": "1"}}, ("params",)),  # a 503 "possibly delivered"
    Case({**SEND_BODY, "templateCode": "SMS_" + "1" * 70_000}, ("templateCode",)),  # likewise
    Case({**SEND_BODY, "phoneList": ["13７00070001"]}, ("phoneList",)),  # texted, with fresh limits
    Case({**SEND_BODY, "phoneList": ["137٠0070001"]}, ("phoneList",)),
    Case({**SEND_BODY, "phoneList": [PHONE, "13８00138000"]}, ("phoneList",)),  # counted as a second number
    Case({**SEND_BODY, "phoneList": [-13800138000]}, ("phoneList",)),
    Case({**SEND_BODY, "phoneList": [PHONE] * 10_001}, ("phoneList",)),
]


def found(**arguments):
    """Every case in :data:`FOUND` as an explicit example of the test, with ``arguments``."""

    def decorate(test):
        for case in FOUND:
            test = example(case=case, **arguments)(test)
        return test

    return decorate


def send(case: Case, emulator, capsys, route: str) -> dict:
    return refused(handler, case, route=route, path="/messages", base="http_send_sms.json", function="send_sms",
                   emulator=emulator, capsys=capsys)


def expected(case: Case) -> tuple[str, ...]:
    """What the answer names: the field, or the JSON or the size when those come first."""
    if fs.huge_number_in(case.body):
        return ("not valid JSON",)
    if case.path is None and case.method == "POST" and len(encode(case.body)) > LIMIT:
        return ("request body is",)
    return case.expect


def test_bad_requests_with_a_key_are_4xx_naming_the_field_and_text_no_one(elements, capsys):
    @found(keyed=True)
    @given(case=with_key, keyed=st.booleans())
    def run(case: Case, keyed: bool) -> None:
        case = replace(case)
        headers = {"Authorization": f"Bearer {FULL_KEY}", **case.headers}
        if keyed:
            headers.setdefault("Idempotency-Key", uuid.uuid4().hex)
        case.headers, case.expect = headers, expected(case)
        send(case, elements, capsys, "POST /messages (API key)")

    run()
    right = Case(SEND_BODY, (), headers={"Authorization": f"Bearer {FULL_KEY}", "Content-Type": "application/json"})
    answer = handler(event(right, "/messages", "http_send_sms.json"), context("send_sms"))
    assert answer["statusCode"] == 200 and json.loads(answer["body"])["result"]["Code"] == "OK"
    assert len(elements.messages()) == 1


def test_without_a_valid_key_every_request_is_a_401_or_has_no_route(elements, capsys):
    @found(auth=None)
    @given(case=st.one_of(with_key, st.just(Case(SEND_BODY, ()))), auth=fs.authorization)
    def run(case: Case, auth: str | None) -> None:
        case = replace(case)
        case.headers = {key: value for key, value in case.headers.items() if key.lower() != "authorization"}
        if auth is not None:
            case.headers["Authorization"] = auth
        if case.path is None and case.method == "POST" and case.base64 is not False:
            case.expect = ("missing or invalid API key",)  # checked before anything in the body
        send(case, elements, capsys, "POST /messages (no key)")

    run()
