"""Pure parts of the receipts function: items, times, opt-out words, the settings, the route table."""

import json

import pytest

from shared.errors import ConfigError, InvalidParameterError, RequestError
from shared.fc.http import HttpRequest, HttpResponse, route
from shared.receipts.ingest import is_opt_out
from shared.receipts.items import MAX_ITEMS, SmsReport, SmsUp, beijing_time, read_batch
from shared.settings import DEFAULT_OPT_OUT_WORDS, Settings


def test_beijing_time_is_utc_plus_eight():
    assert beijing_time("1970-01-01 08:00:00") == 0.0
    assert beijing_time("2026-05-01 10:00:05") - beijing_time("2026-05-01 10:00:00") == 5
    for bad in ("2026-05-01T10:00:00", "2026-02-30 10:00:00", "2026-05-01 10:00", "", "2026-5-01 10:00:00",
                "２０２６-05-01 10:00:00", "2026-05-01 24:00:00", " 2026-05-01 10:00:00"):
        with pytest.raises(ValueError):
            beijing_time(bad)


def test_items_are_read_one_by_one():
    batch = read_batch(b'[{"phone_number": "+86 138-0013-8000", "content": "TD", "sequence_id": 7}, '
                       b'{"phone_number": "1"}, [], {"content": "TD"}]', SmsUp)
    assert batch.skipped == 3
    [item] = batch.items
    assert (item.phone_number, item.sequence_id, item.sign_name) == ("13800138000", "7", None)


def test_a_report_needs_a_boolean_success_and_a_report_time():
    good = {"phone_number": "13800138000", "report_time": "2026-05-01 10:00:05", "success": False,
            "err_code": "UNDELIV", "sms_size": 2}
    assert SmsReport.model_validate(good).sms_size == "2"
    assert read_batch(str([{**good, "success": "true"}]).encode().replace(b"'", b'"'), SmsReport).skipped == 1
    assert read_batch(b'[{"phone_number": "13800138000", "success": true}]', SmsReport).skipped == 1


def test_a_good_push_reads_as_its_items_one_by_one_would():
    reports = [{"phone_number": f"+86 1380013{i:04d}", "report_time": f"2026-05-01 10:00:{i % 60:02d}",
                "send_time": None if i % 3 else "2026-05-01 09:59:59", "success": i % 2 == 0,
                "err_code": "DELIVERED" if i % 2 == 0 else "UNDELIV", "sms_size": [1, "2", None][i % 3],
                "biz_id": f"{i}^0", "out_id": None, "extra": {"ignored": True}} for i in range(120)]
    batch = read_batch(json.dumps(reports, ensure_ascii=False).encode(), SmsReport)
    assert batch.skipped == 0
    assert batch.items == [SmsReport.model_validate(report) for report in reports]
    assert (batch.items[1].phone_number, batch.items[1].sms_size, batch.items[0].send_time) == \
        ("13800130001", "2", beijing_time("2026-05-01 09:59:59"))


def test_one_bad_item_in_a_push_is_skipped_and_the_rest_kept():
    replies = [{"phone_number": "13800138000", "content": "TD", "sequence_id": i} for i in range(50)]
    replies[17]["sequence_id"] = 1.5  # neither a string nor an integer
    batch = read_batch(json.dumps(replies).encode(), SmsUp)
    assert batch.skipped == 1
    assert [item.sequence_id for item in batch.items] == [str(i) for i in range(50) if i != 17]


def test_a_push_of_too_many_items_is_refused_whole():
    item = {"phone_number": "13800138000", "content": "TD"}
    assert len(read_batch(json.dumps([item] * MAX_ITEMS).encode(), SmsUp).items) == MAX_ITEMS
    with pytest.raises(InvalidParameterError, match=f"holds {MAX_ITEMS + 1} items; at most {MAX_ITEMS}"):
        read_batch(json.dumps([item] * (MAX_ITEMS + 1)).encode(), SmsUp)


@pytest.mark.parametrize("body", [b"", b"{}", b"nope", b'"[]"', b"\xff"])
def test_a_push_that_is_not_an_array_is_refused(body):
    with pytest.raises(InvalidParameterError):
        read_batch(body, SmsUp)


def test_opt_out_words_are_trimmed_and_case_insensitive():
    assert all(is_opt_out(text, DEFAULT_OPT_OUT_WORDS) for text in ("TD", " td ", "t", "退订", "N\n"))
    assert not any(is_opt_out(text, DEFAULT_OPT_OUT_WORDS) for text in ("TDD", "退 订", "no", "", "好"))


def test_the_opt_out_words_setting():
    assert Settings.from_env({}).opt_out_words == ("td", "t", "退订", "n")
    assert Settings.from_env({"SMS_OPT_OUT_WORDS": " STOP ,取消,stop"}).opt_out_words == ("stop", "取消")
    with pytest.raises(ConfigError):
        Settings.from_env({"SMS_OPT_OUT_WORDS": ", ,"})
    assert Settings.from_env({"SMS_RECEIPTS_TOKEN_SECRET": " sms-fc/receipts-token "}).receipts_token_secret == \
        "sms-fc/receipts-token"


def test_a_token_route_takes_exactly_one_more_segment():
    routes = {("POST", "/up/{token}"): lambda request: HttpResponse(200, request.path_params["token"]),
              ("POST", "/up"): lambda r: None}

    def call(method, path):
        return route(HttpRequest(method, path, {}, {}, b""), routes)

    assert call("POST", "/up/abc").body == "abc"
    for path in ("/up/abc/def", "/upx/abc", "/abc"):
        with pytest.raises(RequestError) as refused:
            call("POST", path)
        assert refused.value.http_status == 404
    with pytest.raises(RequestError) as refused:
        call("GET", "/up/abc")
    assert refused.value.http_status == 405
