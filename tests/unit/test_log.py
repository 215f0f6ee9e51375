import io
import json

import pytest

from shared import log


@pytest.fixture
def stream():
    buffer = io.StringIO()
    log.set_stream(buffer)
    yield buffer
    log.set_stream(None)
    log.set_level(None)


def lines(buffer):
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


def test_one_json_object_per_line_with_bound_context(stream):
    with log.bound(requestId="req-1", function="send_sms"):
        log.info("sms.send ok", element="SMS.Default", phoneCount=2)
    log.warning("after")
    first, second = lines(stream)
    assert first["level"] == "INFO" and first["message"] == "sms.send ok"
    assert (first["requestId"], first["function"], first["element"], first["phoneCount"]) == (
        "req-1", "send_sms", "SMS.Default", 2)
    assert first["timestamp"].endswith("Z") and len(first["timestamp"]) == 24
    assert "requestId" not in second


def test_threshold_drops_lower_levels(stream):
    log.set_level("WARNING")
    log.info("quiet")
    log.error("loud")
    assert [line["message"] for line in lines(stream)] == ["loud"]


def test_level_comes_from_the_environment(stream, monkeypatch):
    monkeypatch.setenv("SMS_LOG_LEVEL", "error")
    log.set_level(None)
    log.warning("quiet")
    log.error("loud")
    assert [line["message"] for line in lines(stream)] == ["loud"]


def test_unicode_is_kept_and_unknown_types_are_stringified(stream):
    log.info("签名", value=object.__name__, when=complex(1, 2))
    [line] = lines(stream)
    assert line["message"] == "签名" and line["when"] == "(1+2j)"


def _fail(depth, message):
    if depth == 0:
        raise ValueError(message)
    _fail(depth - 1, message)


def test_a_cause_names_its_type_masked_message_and_innermost_frames():
    try:
        _fail(12, "no route for 13800138000")
    except ValueError as error:
        cause = log.cause(error)
    line = _fail.__code__.co_firstlineno
    assert cause["errorType"] == "ValueError"
    assert cause["errorMessage"] == "no route for 138****8000"
    assert len(cause["frames"]) == log.CAUSE_FRAMES  # the innermost eight of the fourteen
    assert cause["frames"][-1] == f"test_log.py:{line + 2} in _fail"
    assert cause["frames"][:-1] == [f"test_log.py:{line + 3} in _fail"] * (log.CAUSE_FRAMES - 1)


def test_a_cause_leaves_out_the_query_of_a_url_it_quotes():
    """An SDK's transport error quotes the SendSms URL: its query holds the template's values (a code)."""
    message = ("HTTPConnectionPool(host='127.0.0.1', port=9): Max retries exceeded with url: /?OutId=ab12"
               "&PhoneNumbers=13800138000&TemplateParam=%7B%22code%22%3A%22918273%22%7D (Caused by "
               "NewConnectionError(\"Failed to establish a new connection: [Errno 111] Connection refused\"))")
    cause = log.cause(ValueError(message))
    assert cause["errorMessage"] == ("HTTPConnectionPool(host='127.0.0.1', port=9): Max retries exceeded with url: "
                                     "/?<query> (Caused by NewConnectionError(\"Failed to establish a new connection: "
                                     "[Errno 111] Connection refused\"))")
    assert log.cause(ValueError("is it? yes: a=1"))["errorMessage"] == "is it? yes: a=1"  # no URL: as it was


@pytest.mark.parametrize(("text", "masked"), [
    ("no number here, 1380013800 is ten digits", "no number here, 1380013800 is ten digits"),
    ("to 13800138000, +8613900139000 and 8615000150000.", "to 138****8000, 139****9000 and 150****0000."),
    ("138001380001 is twelve digits; 12800138000 is not a mobile", "138001380001 is twelve digits; "
     "12800138000 is not a mobile"),
    ("", ""),
])
def test_mask_numbers(text, masked):
    assert log.mask_numbers(text) == masked
