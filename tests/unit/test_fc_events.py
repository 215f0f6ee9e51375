import json

import pytest

from shared.errors import InvalidParameterError
from shared.triggers import CloudEvent, parse_json_event, timer_options

ENVELOPE = {"id": "evt-1", "source": "acs.approval", "specversion": "1.0", "type": "approval.node.reached",
            "datacontenttype": "application/json", "data": {"processTitle": "报销"}, "aliyuneventbusname": "bus"}


def test_timer_payload_is_decoded_a_second_time():
    event = json.dumps({"triggerTime": "2026-11-24T19:00:00Z", "triggerName": "daily", "payload": '{"check": "all"}'})
    assert timer_options(event.encode()) == ({"check": "all"}, "daily")


def test_on_demand_invoke_passes_options_directly():
    assert timer_options(b'{"reportTo": "oss://b/p"}') == ({"reportTo": "oss://b/p"}, None)
    assert timer_options(b"") == ({}, None)


@pytest.mark.parametrize(("event", "fragment"), [
    (b"{nope", "not JSON"),
    (b"[" * 100_000 + b"]" * 100_000, "the event is not JSON"),  # past json.loads' recursion limit
    (b"[1]", "JSON object"),
    (b'{"triggerTime": "t", "triggerName": "d", "payload": "{oops"}', "event.payload"),
    (b'{"triggerTime": "t", "triggerName": "d", "payload": "[1]"}', "event.payload"),
    (json.dumps({"triggerTime": "t", "triggerName": "d", "payload": "[" * 100_000 + "]" * 100_000}).encode(),
     "event.payload"),
    (b'{"triggerTime": "t", "payload": ""}', "event.triggerName"),
])
def test_bad_timer_events_are_46001(event, fragment):
    with pytest.raises(InvalidParameterError, match=fragment):
        timer_options(event)


def test_a_cloud_event_keeps_aliyun_extensions():
    event = CloudEvent.model_validate(ENVELOPE)
    assert (event.id, event.source) == ("evt-1", "acs.approval")
    assert event.model_extra["aliyuneventbusname"] == "bus"


def test_parse_json_event_accepts_bytes_text_and_objects():
    assert parse_json_event(b'{"a": 1}') == {"a": 1} == parse_json_event('{"a": 1}')
    assert parse_json_event([1]) == [1] and parse_json_event(None) is None


def test_the_sample_eventbridge_event_parses():
    from pathlib import Path

    sample = Path(__file__).resolve().parents[2] / "events" / "eventbridge_approval_node.json"
    event = CloudEvent.model_validate(parse_json_event(sample.read_bytes()))
    assert event.source == "jitai.workflow"
    assert event.data["processTitle"] == "差旅报销" and event.model_extra["aliyunregionid"] == "cn-hangzhou"


def test_parse_json_refuses_json_nested_too_deeply_as_unreadable_json():
    from shared.validation import parse_json

    assert parse_json(b'{"a": [1, {"b": null}]}') == {"a": [1, {"b": None}]}
    nested: list = []
    for _ in range(49):
        nested = [nested]
    assert parse_json("[" * 50 + "]" * 50) == nested  # nesting within the limit reads as ever
    for deep in ("[" * 100_000 + "]" * 100_000, b'{"a":' * 100_000 + b"1" + b"}" * 100_000):
        with pytest.raises(json.JSONDecodeError, match="nested too deeply"):
            parse_json(deep)
