"""send_sms's send-log lookups under bad input: ``GET /messages/{id}`` and ``GET /messages?phone=…&since=…``.

Each example is one wrong request with a read-scoped key; ``refused`` checks the answer: a 4xx
naming the field, no traceback, no full number in the logs, nothing texted.
"""

from __future__ import annotations

import re
from datetime import datetime

from fuzz_support import PHONE, READ_KEY, Case, refused
from hypothesis import example, given
from hypothesis import strategies as st

from functions.send_sms.index import handler
from shared.errors import InvalidParameterError
from shared.sms.phones import normalize_phone

HEADERS = {"Authorization": f"Bearer {READ_KEY}"}


def _not_an_id(text: str) -> bool:
    return "/" not in text and not re.fullmatch(r"[0-9a-f]{24}", text) and text.strip() != "" and "\x00" not in text


def _not_a_number(text: str) -> bool:
    try:
        normalize_phone(text)
    except InvalidParameterError:
        return True
    return False


def _not_a_time(text: str) -> bool:
    if re.fullmatch(r"[0-9]{1,11}(\.[0-9]{1,9})?", text) or text == "":
        return False
    try:
        datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text)
    except ValueError:
        return True
    return False


bad_ids = st.one_of(
    st.sampled_from(["x", "0" * 23, "0" * 25, "A" * 24, "g" * 24, "..", "%2e%2e", "0" * 24 + " ", "１" * 24]),
    st.text(max_size=80).filter(_not_an_id),
)
bad_phones = st.one_of(
    st.sampled_from(["", " ", "12345", "13８00138000", "+1 202 555 0100", "1380013800O", PHONE + "0", "null"]),
    st.text(max_size=40).filter(_not_a_number),
)
bad_since = st.one_of(
    st.sampled_from(["yesterday", "-5", "1e9", "NaN", "inf", "2024-13-01", "2024-05-01T25:00", "99999999999999",
                     "1.2.3", "0x10", "２０２４-01-01"]),
    st.text(min_size=1, max_size=40).filter(_not_a_time),
)
bad_limit = st.one_of(st.sampled_from(["0", "101", "-1", "1.5", "ten", "１", ""]).filter(bool),
                      st.integers(101, 10**30).map(str))


def lookup(case: Case, emulator, capsys, route: str) -> None:
    refused(handler, case, route=route, path="/messages", base="http_send_sms.json", function="send_sms",
            emulator=emulator, capsys=capsys)


def test_bad_message_ids_are_400_naming_the_id(elements, capsys):
    @given(bad=bad_ids)
    @example(bad="0" * 23)
    def run(bad: str) -> None:
        lookup(Case(b"", ("id:",), headers=dict(HEADERS), method="GET", path=f"/messages/{bad}"), elements, capsys,
               "GET /messages/{id}")

    run()
    answer = handler(_get("/messages/" + "0" * 24), _context())
    assert answer["statusCode"] == 404  # well formed, unknown


def test_bad_listing_queries_are_400_naming_the_field(elements, capsys):
    @given(query=st.one_of(
        bad_phones.map(lambda p: ({"phone": p}, "phone:")),
        bad_since.map(lambda s: ({"phone": PHONE, "since": s}, "since:")),
        bad_limit.map(lambda n: ({"phone": PHONE, "limit": n}, "limit:")),
    ))
    def run(query: tuple[dict[str, str], str]) -> None:
        params, field = query
        lookup(Case(b"", (field,), headers=dict(HEADERS), method="GET", query=params), elements, capsys,
               "GET /messages?phone")

    run()


def _get(path: str) -> bytes:
    from fuzz_support import event

    return event(Case(b"", (), headers=dict(HEADERS), method="GET", path=path), path, "http_send_sms.json")


def _context():
    from fuzz_support import context

    return context("send_sms")
