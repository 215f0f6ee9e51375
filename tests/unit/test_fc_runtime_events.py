"""The events the local runtime hands functions have FC's exact shapes, and shared's parsers read them back."""

import base64
import json
from datetime import datetime, timezone

import pytest

from emulator.fc.events import (
    EnvelopeError,
    HttpCall,
    RoleCredentials,
    cloud_event,
    context_fields,
    http_event,
    timer_event,
)
from shared.aliyun.credentials import Credentials
from shared.fc.http import parse_event
from shared.triggers import CloudEvent, timer_options

NOW = datetime(2026, 11, 24, 3, 20, 0, 250000, tzinfo=timezone.utc)
EVENT_KEYS = {"version", "rawPath", "headers", "queryParameters", "body", "isBase64Encoded", "requestContext"}
CONTEXT_KEYS = {"accountId", "domainName", "domainPrefix", "http", "requestId", "time", "timeEpoch"}


def make_event(**call):
    defaults = {"method": "POST", "raw_path": "/messages", "query": [], "body": b"",
                "headers": [("Content-Type", "application/json"), ("User-Agent", "curl/8.5.0"),
                            ("Host", "127.0.0.1:8801")],
                "source_ip": "127.0.0.1"}
    defaults.update(call)
    raw = http_event(HttpCall(**defaults), function_name="sms-fc-send-sms", region="cn-hangzhou",
                     account_id="1234567890123456", request_id="1-6745a1b2-0123456789abcdef01234567", now=NOW)
    assert isinstance(raw, bytes)
    return raw, json.loads(raw)


def test_http_event_has_fc_keys_and_values():
    body = json.dumps({"service": "SMS.Default", "params": {"name": "张三"}}, ensure_ascii=False).encode()
    raw, event = make_event(body=body, query=[("dryRun", "1")])
    assert set(event) == EVENT_KEYS and set(event["requestContext"]) == CONTEXT_KEYS
    assert event["version"] == "v1"
    assert event["body"] == body.decode() and event["isBase64Encoded"] is False
    assert event["headers"] == {"Content-Type": "application/json", "User-Agent": "curl/8.5.0"}  # no Host
    assert event["queryParameters"] == {"dryRun": "1"}
    context = event["requestContext"]
    assert context["http"] == {"method": "POST", "path": "/messages", "protocol": "HTTP/1.1",
                               "sourceIp": "127.0.0.1", "userAgent": "curl/8.5.0"}
    assert (context["time"], context["timeEpoch"]) == ("2026-11-24T03:20:00Z", "1795490400250")
    assert context["domainName"] == "sms-fc-send-sms-local.cn-hangzhou.fcapp.run"
    assert context["domainPrefix"] == "sms-fc-send-sms-local"
    assert context["requestId"] == "1-6745a1b2-0123456789abcdef01234567"


def test_http_event_round_trips_through_shared_parse_event():
    body = json.dumps({"phone": "13800138000"}).encode()
    raw, _ = make_event(body=body, raw_path="/codes/%E9%AA%8C%E8%AF%81", query=[("a", "1"), ("b", "x y")],
                        headers=[("content-type", "application/json; charset=utf-8"), ("x-trace", "t1"),
                                 ("X-Trace", "t2")])
    request = parse_event(raw)
    assert (request.method, request.path) == ("POST", "/codes/验证")  # http.path is decoded
    assert json.loads(raw)["rawPath"] == "/codes/%E9%AA%8C%E8%AF%81"  # rawPath is not
    assert request.body == body
    assert request.headers == {"content-type": "application/json; charset=utf-8", "x-trace": "t1,t2"}
    assert request.query == {"a": "1", "b": "x y"}
    assert (request.source_ip, request.request_id) == ("127.0.0.1", "1-6745a1b2-0123456789abcdef01234567")


@pytest.mark.parametrize(("content_type", "body"), [
    ("application/octet-stream", b"\x00\x01\xff"),
    ("application/json", b"\xff\xfe not utf-8"),
    ("image/png", b"plain ascii but an image"),
])
def test_binary_bodies_are_base64_and_come_back_byte_for_byte(content_type, body):
    raw, event = make_event(body=body, headers=[("Content-Type", content_type)])
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == body
    assert parse_event(raw).body == body


def test_timer_event_is_what_config_check_reads():
    raw = timer_event("daily", '{"check": "all"}', datetime(2026, 11, 24, 19, 0, tzinfo=timezone.utc))
    assert json.loads(raw) == {"triggerTime": "2026-11-24T19:00:00Z", "triggerName": "daily",
                               "payload": '{"check": "all"}'}
    assert timer_options(raw) == ({"check": "all"}, "daily")


def test_cloud_event_envelope_has_eventbridge_extensions_and_parses():
    published = {"id": "e-1", "source": "jitai.workflow", "type": "workflow.approval.node.reached",
                 "data": {"processTitle": "差旅报销"}, "aliyunaccountid": "forged"}
    envelope = cloud_event(published, bus="sms-fc-workflow", account_id="1234567890123456", region="cn-hangzhou",
                           publisher_ip="127.0.0.1", now=NOW)
    assert envelope == {
        "id": "e-1", "source": "jitai.workflow", "type": "workflow.approval.node.reached",
        "data": {"processTitle": "差旅报销"}, "specversion": "1.0", "datacontenttype": "application/json",
        "time": "2026-11-24T03:20:00Z", "aliyunaccountid": "1234567890123456",
        "aliyunpublishtime": "2026-11-24T03:20:00.250Z", "aliyuneventbusname": "sms-fc-workflow",
        "aliyunregionid": "cn-hangzhou", "aliyunpublishaddr": "127.0.0.1",
    }
    delivered = CloudEvent.model_validate(json.loads(json.dumps(envelope)))
    assert (delivered.id, delivered.model_extra["aliyuneventbusname"]) == ("e-1", "sms-fc-workflow")


def test_cloud_event_fills_an_id_and_refuses_what_eventbridge_refuses():
    envelope = cloud_event({"source": "s", "type": "t"}, bus="b", account_id="1", region="r", publisher_ip="ip",
                           now=NOW)
    assert len(envelope["id"]) == 36
    for bad, message in (({"type": "t"}, "source is required"), ({"source": "s"}, "type is required"),
                         ({"source": "s", "type": "t" * 65}, "type is longer than 64"),
                         ({"source": "s", "type": "t", "specversion": "0.3"}, "specversion must be 1.0"),
                         ([1], "must be a JSON object")):
        with pytest.raises(EnvelopeError, match=message):
            cloud_event(bad, bus="b", account_id="1", region="r", publisher_ip="ip", now=NOW)


def test_context_fields_carry_what_shared_credentials_reads():
    from types import SimpleNamespace

    fields = context_fields(request_id="r-1", credentials=RoleCredentials(), function_name="sms-fc-send-sms",
                            handler="index.handler", memory=256, timeout=30, service="sms-fc", region="cn-hangzhou",
                            account_id="1234567890123456")
    assert set(fields) == {"request_id", "credentials", "function", "service", "region", "account_id"}
    assert fields["function"] == {"name": "sms-fc-send-sms", "handler": "index.handler", "memory": 256, "timeout": 30}
    context = SimpleNamespace(credentials=SimpleNamespace(**fields["credentials"]))
    assert Credentials.from_context(context) == Credentials(
        RoleCredentials().access_key_id, RoleCredentials().access_key_secret, RoleCredentials().security_token)
