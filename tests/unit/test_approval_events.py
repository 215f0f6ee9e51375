"""Reading approval deliveries, and what each send failure means for the event."""

import base64
import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from shared.approvals.events import ApprovalEvent, Unreadable, read_deliveries
from shared.approvals.notifications import clip, lease_seconds, record_key
from shared.approvals.progress import FAILED, RETRY, UNCERTAIN, Progress, verdict_of
from shared.errors import (
    ConfigError,
    ConfigUnavailableError,
    InvalidParameterError,
    ProviderError,
    RateLimitedError,
    RequestFailedError,
    StoreUnavailableError,
    UnknownElementError,
)
from shared.privacy.hmac_keys import HmacKey, Pseudonyms

EVENTS = Path(__file__).resolve().parents[2] / "events"
DATA = {"processInstanceId": "PI-1", "processTitle": "报销", "userNick": "张三", "nodeId": "n1", "nodeType": "cc",
        "recipients": {"roles": ["approver"]}}
ENVELOPE = {"id": "e-1", "source": "jitai.workflow", "specversion": "1.0", "type": "node.reached", "data": DATA}


def sample(name):
    return (EVENTS / name).read_bytes()


def one(event):
    [item] = read_deliveries(event)
    return item


def mns(body, **data):
    return {**ENVELOPE, "id": "ce-9", "source": "MNS-fn-trigger", "type": "mns:Queue:SendMessage",
            "data": {"requestId": "r", "messageId": "M-1", "messageBody": body, **data}}


def test_every_sample_reads_as_approval_events():
    for name in ("eventbridge_approval_node.json", "eventbridge_approval_cc_node.json", "mns_approval_batch.json",
                 "raw_approval_node.json"):
        items = read_deliveries(sample(name))
        assert items and all(isinstance(item, ApprovalEvent) for item in items), name


def test_a_cloud_event_is_identified_by_its_envelope_even_when_the_data_has_an_event_id():
    item = one({**ENVELOPE, "data": {**DATA, "eventId": "wf-1"}})
    assert (item.source, item.id, item.via, item.data.nodeType) == ("jitai.workflow", "e-1", "cloudevent", "cc")


def test_data_sent_as_a_json_string_is_decoded():
    assert one({**ENVELOPE, "data": json.dumps(DATA)}).data.processTitle == "报销"


def test_an_mns_body_in_base64_without_event_id_is_identified_by_the_message_id():
    item = one(mns(base64.b64encode(json.dumps(DATA).encode()).decode()))
    assert (item.source, item.id, item.via) == ("MNS-fn-trigger", "M-1", "mns")


def test_an_mns_body_with_an_event_id_has_the_same_identity_as_the_raw_data():
    body = {**DATA, "eventId": "wf-7"}
    through_mns, raw = one(mns(json.dumps(body))), one(body)
    assert (through_mns.source, through_mns.id) == (raw.source, raw.id) == ("workflow", "wf-7")
    assert raw.via == "raw"


def test_a_bare_mns_message_raw_data_schema():
    item = one({"requestId": "r", "messageId": "M-2", "messageBody": json.dumps(DATA)})
    assert (item.source, item.id) == ("mns", "M-2")
    assert one(mns(json.dumps(DATA), messageId=None)).id == "ce-9"  # in an envelope without one: the envelope's id


def test_an_mns_body_holding_a_cloud_event_takes_the_inner_identity():
    item = one(mns(json.dumps(ENVELOPE)))
    assert (item.source, item.id, item.via) == ("jitai.workflow", "e-1", "mns")


@pytest.mark.parametrize(("event", "problem"), [
    ({**ENVELOPE, "data": {**DATA, "nodeType": "approve"}}, "event.data.nodeType: Input should be 'approver' or 'cc'"),
    ({**ENVELOPE, "data": {**DATA, "processTitle": ""}}, "event.data.processTitle: String should have at least 1"),
    ({**ENVELOPE, "data": {**DATA, "processTitle": 7}}, "event.data.processTitle: Input should be a valid string"),
    ({**ENVELOPE, "data": {**DATA, "sms": {"enabled": "yes"}}}, "event.data.sms.enabled: Input should be a valid"),
    ({**ENVELOPE, "data": {**DATA, "sms": {"template": "x"}}}, "event.data.sms.template: Extra inputs"),
    ({**ENVELOPE, "data": "{oops"}, "event.data: is a string that is not JSON"),
    ({**ENVELOPE, "data": "[" * 100_000 + "]" * 100_000}, "event.data: is a string that is not JSON"),
    ({**ENVELOPE, "id": "x" * 257}, "event.id: longer than 256 characters"),
    ({"messageBody": json.dumps(DATA)}, "event.messageId: required when the message body has no eventId"),
    (mns(""), "event.data.messageBody: must be a non-empty string"),
    (mns(base64.b64encode(b"\xff\xfe").decode()), "neither JSON nor base64-encoded JSON"),
    (mns(json.dumps([1])), "event.data.messageBody: Input should be a valid dictionary"),
    ({**ENVELOPE, "source": ""}, "event.source: String should have at least 1 character"),
])
def test_each_problem_names_its_field(event, problem):
    item = one(event)
    assert isinstance(item, Unreadable) and problem in item.problem


def test_a_bad_item_keeps_its_envelope_identity_for_the_logs():
    item = one({**ENVELOPE, "data": {**DATA, "userNick": None}})
    assert (item.source, item.id) == ("jitai.workflow", "e-1")


def test_problems_never_echo_values():
    item = one({**ENVELOPE, "data": {**DATA, "processTitle": ["机密"], "nodeType": "机密类型"}})
    assert "机密" not in item.problem


def test_a_batch_reads_each_item_on_its_own():
    items = read_deliveries(json.dumps([ENVELOPE, 3, {**ENVELOPE, "id": "e-2"}]).encode())
    assert [type(item).__name__ for item in items] == ["ApprovalEvent", "Unreadable", "ApprovalEvent"]
    assert [item.index for item in items] == [0, 1, 2]


@pytest.mark.parametrize(("error", "verdict"), [
    (RequestFailedError("refused", possibly_delivered=False), RETRY),
    (RequestFailedError("an unknown failure"), UNCERTAIN),
    (RequestFailedError("lost", possibly_delivered=True), UNCERTAIN),
    (ProviderError("throttled", provider_code="Throttling.User"), RETRY),
    (ProviderError("limit", provider_code="isv.BUSINESS_LIMIT_CONTROL"), FAILED),
    (ProviderError("bad", provider_code="isv.MOBILE_NUMBER_ILLEGAL"), FAILED),
    (RateLimitedError("flow", limit="aliyun", retry_after=60, provider_code="isv.BUSINESS_LIMIT_CONTROL"), FAILED),
    (InvalidParameterError("params.x"), FAILED),
    (StoreUnavailableError("down"), RETRY),
    (ConfigUnavailableError("kms down"), RETRY),
    (UnknownElementError("unknown element SMS.X"), RETRY),
])
def test_verdicts(error, verdict):
    assert verdict_of(error) == verdict


NAMES = Pseudonyms(HmacKey(b"k" * 32))


def test_progress_round_trips_and_settles_numbers():
    progress = Progress.load(None, names=NAMES, salt="approval:k")
    assert progress.dump() is None and progress.outcome() == "sent"
    progress.record("13800138001", "sent", None)
    progress.record("13800138002", "failed", ProviderError("x", provider_code="isv.X"))
    progress.record("13800138003", "uncertain", RequestFailedError("lost", possibly_delivered=True))
    progress.record("13800138004", "retry", RequestFailedError("refused", possibly_delivered=False))
    stored = progress.dump()
    assert "1380013800" not in json.dumps(stored)  # no number in the store
    assert stored["kid"] == NAMES.kid
    again = Progress.load(stored, names=NAMES, salt="approval:k")
    assert [again.is_settled(f"1380013800{n}") for n in range(1, 5)] == [True, True, True, False]
    assert not Progress.load(stored, names=NAMES, salt="approval:other").is_settled("13800138001")
    assert again.outcome() == "partial"
    phones = [f"1380013800{n}" for n in range(1, 5)]
    assert again.report(phones) == {"sent": 1, "failed": [{"phone": "138****8002", "code": "isv.X"}],
                                    "possiblyDelivered": ["138****8003"]}
    assert Progress(NAMES, "approval:k", failed={"x": "46001"}).outcome() == "failed"


def test_progress_stored_under_another_hmac_key_is_never_read():
    stored = Progress.load(None, names=NAMES, salt="approval:k")
    stored.record("13800138001", "sent", None)
    with pytest.raises(ConfigError, match="another HMAC key"):
        Progress.load(stored.dump(), names=Pseudonyms(HmacKey(b"o" * 32)), salt="approval:k")


def test_record_keys_do_not_collide_on_colons():
    event = read_deliveries(json.dumps(ENVELOPE).encode())[0]
    shifted = ApprovalEvent(0, "jitai.workflow:e", "1", "cloudevent", event.data)
    assert record_key(event) != record_key(ApprovalEvent(0, "jitai.workflow", "e:1", "cloudevent", event.data))
    assert record_key(shifted) != record_key(ApprovalEvent(0, "jitai.workflow", "e:1", "cloudevent", event.data))


def test_clip_and_lease():
    assert clip("短") == "短" and clip("x" * 35) == "x" * 35 and clip("x" * 36) == "x" * 34 + "…"
    assert lease_seconds(SimpleNamespace(function=SimpleNamespace(timeout=60))) == 60
    assert lease_seconds(None) == 60 and lease_seconds(SimpleNamespace(function=SimpleNamespace(timeout=0))) == 60
