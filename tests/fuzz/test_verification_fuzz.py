"""verification ``POST /codes`` and ``POST /codes/verify`` under bad input, through the real handler.

Each example is one wrong request (``fuzz_strategies``); ``refused`` checks its answer: a 4xx naming
what is wrong, no traceback, no full number in the logs, nothing texted. Afterwards the same client
still gets a code and can check it: no bad request counted against a limit or an attempt.
"""

from __future__ import annotations

import json
from dataclasses import replace

import fuzz_strategies as fs
from fuzz_support import PHONE, Case, Raw, context, encode, event, refused
from hypothesis import example, given
from hypothesis import strategies as st

from functions.verification.index import handler

LIMIT = 4096  # the verification routes' body limit
ISSUE = {"phone": PHONE, "purpose": "login"}
CHECK = {**ISSUE, "code": "123456"}


# What the probe behind issue 12 found, tried on every run before anything random.
FOUND = [
    Case({**ISSUE, "phone": "13７00070001"}, ("phone",)),  # a fresh cooldown and fresh limits, and texted
    Case({**ISSUE, "phone": "137٠0070001"}, ("phone",)),
    Case({**ISSUE, "phone": -13800138000}, ("phone",)),
    Case({**ISSUE, "phone": Raw("NaN")}, ("phone",)),
]
FOUND_CHECKS = [*(Case({**case.body, "code": "123456"}, case.expect) for case in FOUND),
                Case({**CHECK, "code": "１２３４５６"}, ("code",))]  # cost an attempt, answered like a wrong guess


def requests(path: str, valid: dict, *, verify: bool) -> st.SearchStrategy[Case]:
    return st.one_of(
        fs.bad_code_body(verify=verify), fs.bad_code_body(verify=verify), fs.bad_code_body(verify=verify),
        fs.bad_code_body(verify=verify), fs.bad_code_body(verify=verify),
        fs.not_json_body(valid), fs.bad_content_type(valid), fs.oversized(valid, LIMIT), fs.bad_base64(valid),
        fs.wrong_route(valid, path, ("POST", "OPTIONS")),
    )


def expected(case: Case) -> tuple[str, ...]:
    """What the answer names: the field, or the JSON or the size when those come first."""
    if case.path is None and case.method == "POST" and len(encode(case.body)) > LIMIT:
        return ("request body is",)
    if fs.huge_number_in(case.body):
        return ("not valid JSON",)
    return case.expect


def post(path: str, body: dict) -> dict:
    answer = handler(event(Case(body, ()), path, "http_verify_issue.json"), context("verification"))
    return {**answer, "json": json.loads(answer["body"])}


def fuzz(path: str, route: str, strategy: st.SearchStrategy[Case], found: list[Case], emulator, capsys) -> None:
    def run(case: Case, origin: bool) -> None:
        case = replace(case)
        if origin:
            case.headers = {**case.headers, "Origin": "https://app.example.com"}
        case.expect = expected(case)
        refused(handler, case, route=route, path=path, base="http_verify_issue.json", function="verification",
                emulator=emulator, capsys=capsys)

    test = given(case=strategy, origin=st.booleans())(run)
    for case in found:
        test = example(case=case, origin=True)(test)
    test()


def test_bad_code_requests_are_4xx_naming_the_field_and_text_no_one(elements, capsys):
    fuzz("/codes", "POST /codes", requests("/codes", ISSUE, verify=False), FOUND, elements, capsys)
    assert post("/codes", ISSUE)["statusCode"] == 200  # no bad request counted against a limit
    assert len(elements.messages()) == 1


def test_bad_checks_are_4xx_naming_the_field_and_cost_no_attempt(elements, capsys):
    assert post("/codes", ISSUE)["statusCode"] == 200
    fuzz("/codes/verify", "POST /codes/verify", requests("/codes/verify", CHECK, verify=True), FOUND_CHECKS,
         elements, capsys)
    code = elements.messages()[0]["params"]["code"]
    assert post("/codes/verify", {**ISSUE, "code": code})["json"]["verified"] is True
