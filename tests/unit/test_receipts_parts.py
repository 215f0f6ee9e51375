"""Pure parts of the receipts function: items, times, opt-out words, the settings, the route table."""

import pytest

from shared.errors import ConfigError, InvalidParameterError, RequestError
from shared.fc.http import HttpRequest, HttpResponse, route
from shared.receipts.ingest import is_opt_out
from shared.receipts.items import SmsReport, SmsUp, beijing_time, read_batch
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
