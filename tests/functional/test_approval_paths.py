"""approval_notify: every way an event arrives, the defaults element, what is logged, the config check."""

import base64
import json
import shutil

import pytest
from approval_support import (
    APPROVERS,
    CC_TEMPLATE,
    CC_TEMPLATE_SEED,
    SALES,
    approval_event,
    deliver,
    elements_root,
    sends,
    texted,
    write_defaults,
)
from fc_support import fc_context, load_event
from functional_support import log_lines

from shared.checks.config_check import run_check
from shared.elements import runtime
from shared.errors import RedeliverError


@pytest.fixture
def approvals(service):
    write_defaults()
    service.seed({"sms": {"templates": [CC_TEMPLATE_SEED]}})
    runtime.reset()
    return service


def test_a_cc_node_without_sms_settings_uses_the_defaults_element(approvals):
    [answer] = deliver(load_event("eventbridge_approval_cc_node.json"))
    assert answer["outcome"] == "sent" and answer["templateCode"] == CC_TEMPLATE and answer["nodeType"] == "cc"
    assert texted(approvals) == dict.fromkeys(SALES, 1)
    assert answer["recipients"]["withoutPhone"] == ["u3"]
    [message] = approvals.messages(phone="13800138002")
    assert message["content"] == "【阿里云短信测试】张三发起的差旅报销已抄送给您，请知悉。"


def test_node_settings_override_the_defaults_field_by_field(approvals):
    event = approval_event(sms={"templateCode": "SMS_100000003"}, nodeType="cc", recipients={"members": ["u2"]})
    [answer] = deliver(event)
    assert (answer["service"], answer["templateCode"]) == ("SMS.Default", "SMS_100000003")


def test_the_mns_batch_sample_json_and_base64_bodies(approvals):
    answers = deliver(load_event("mns_approval_batch.json"))
    assert [a["outcome"] for a in answers] == ["sent", "sent"]
    assert (answers[0]["source"], answers[0]["id"]) == ("workflow", "wf-PI-20261124-0003-node-approve-1-1")
    assert answers[1]["id"] == "C6DB60D1574661357FA2272774450002"  # no eventId: the queue's messageId
    assert answers[1]["templateCode"] == CC_TEMPLATE
    assert texted(approvals) == {"13800138001": 1, "13800138002": 1}
    assert all(a.get("replayed") for a in deliver(load_event("mns_approval_batch.json")))


def test_the_same_data_raw_and_through_mns_is_one_event(approvals):
    raw = load_event("raw_approval_node.json")
    [first] = deliver(raw)
    assert first["outcome"] == "sent" and first["id"] == raw["eventId"]
    message = load_event("mns_approval_batch.json")[0]
    message["data"]["messageBody"] = base64.b64encode(json.dumps(raw).encode()).decode()
    [again] = deliver(message)
    assert again == {**first, "replayed": True}
    assert texted(approvals) == {"13800138005": 1}


def test_an_mns_message_may_carry_a_whole_cloud_event(approvals):
    message = load_event("mns_approval_batch.json")[0]
    message["data"]["messageBody"] = json.dumps(load_event("eventbridge_approval_node.json"), ensure_ascii=False)
    [answer] = deliver(message)
    assert (answer["source"], answer["outcome"]) == ("jitai.workflow", "sent")
    assert deliver(load_event("eventbridge_approval_node.json"))[0]["replayed"] is True
    assert texted(approvals) == dict.fromkeys(APPROVERS, 1)


@pytest.mark.parametrize(("raw", "fragment"), [
    (b"", "the event is empty"),
    (b"{not json", "the event is not JSON"),
    (b'"text"', "event: must be a JSON object, got str"),
    (json.dumps({k: v for k, v in load_event("raw_approval_node.json").items() if k != "eventId"}).encode(),
     "event.eventId: required"),
    (json.dumps({**load_event("raw_approval_node.json"), "recipients": {}}).encode(),
     "recipients must name at least one"),
    (json.dumps({**load_event("raw_approval_node.json"), "recipients": {"member": ["u1"]}}).encode(),
     "event.recipients.member: Extra inputs are not permitted"),
    (json.dumps({**load_event("mns_approval_batch.json")[0], "data": {"messageBody": "%%%"}}).encode(),
     "event.data.messageBody: is neither JSON nor base64-encoded JSON"),
    (b"[" * 100_000 + b"]" * 100_000, "the event is not JSON"),  # past json.loads' recursion limit
    (json.dumps({**load_event("mns_approval_batch.json")[0], "data": {"messageBody": "[" * 100_000 + "]" * 100_000}})
     .encode(), "event.data.messageBody: is neither JSON nor base64-encoded JSON"),
])
def test_bad_deliveries_are_logged_and_acknowledged(approvals, capsys, raw, fragment):
    [answer] = deliver(raw)
    assert answer["outcome"] == "invalid" and fragment in answer["problem"]
    [line] = [line for line in log_lines(capsys.readouterr().out) if line["message"] == "approval.invalid"]
    assert line["level"] == "WARNING" and fragment in line["problem"] and line["function"] == "approval_notify"
    assert sends(approvals) == 0


def test_an_empty_batch_is_acknowledged(approvals):
    assert deliver(b"[]") == []


def test_a_node_with_sms_switched_off_texts_nobody(approvals):
    [answer] = deliver(approval_event(sms={"enabled": False}))
    assert answer["outcome"] == "skipped" and sends(approvals) == 0


def test_recipients_without_a_phone_are_recorded_not_retried(approvals):
    event = approval_event(recipients={"members": ["u3", "nobody"]})
    [answer] = deliver(event)
    assert answer["outcome"] == "no-recipients" and answer["sent"] == 0
    assert answer["recipients"] == {"unknown": {"members": ["nobody"], "departments": [], "roles": []},
                                    "withoutPhone": ["u3"]}
    assert deliver(event)[0]["replayed"] is True and sends(approvals) == 0


def test_the_same_identity_with_other_data_is_a_conflict_that_sends_nothing(approvals):
    deliver(approval_event(recipients={"members": ["u1"]}))
    [answer] = deliver(approval_event(recipients={"members": ["u5"]}))
    assert answer["outcome"] == "conflict"
    assert texted(approvals) == {"13800138001": 1}


def test_a_missing_defaults_element_redelivers_until_it_exists(approvals):
    shutil.rmtree(elements_root() / "Approval")
    event = load_event("eventbridge_approval_cc_node.json")
    with pytest.raises(RedeliverError, match="Approval.Default") as raised:
        deliver(event)
    assert raised.value.details["events"][0]["error"]["code"] == 46001
    assert sends(approvals) == 0
    write_defaults()
    assert deliver(event)[0]["outcome"] == "sent"
    assert texted(approvals) == dict.fromkeys(SALES, 1)


def test_long_values_are_cut_to_what_aliyun_accepts(approvals):
    title = "年度预算调整申请" * 6  # 48 characters; a template value takes at most 35
    [answer] = deliver(approval_event(processTitle=title, recipients={"members": ["u1"]}))
    assert answer["outcome"] == "sent"
    [message] = approvals.messages()
    assert title[:34] + "…" in message["content"]


def test_logs_are_json_with_masked_phones_and_no_template_values(approvals, capsys):
    deliver(approval_event(processTitle="机密项目报销", userNick="欧阳娜娜"))
    out = capsys.readouterr().out
    lines = log_lines(out)
    assert len(lines) == len(out.splitlines())
    assert "13800138001" not in out and "13800138005" not in out and "138****8001" in out
    assert "机密项目报销" not in out and "欧阳娜娜" not in out
    [done] = [line for line in lines if line["message"] == "approval.done"]
    assert done["outcome"] == "sent" and done["eventSource"] == "jitai.workflow" and done["requestId"] == "req-test-1"
    assert done["element"] == "SMS.Default" and done["nodeType"] == "approver"


def test_the_config_check_covers_the_defaults_templates(approvals):
    findings = run_check(runtime.app_for(fc_context())).findings
    assert not [f for f in findings if f.element == "Approval.Default"]
    write_defaults({"approver": {"service": "SMS.Default", "templateCode": "SMS_100000002"},
                    "cc": {"service": "SMS.Missing", "templateCode": CC_TEMPLATE}})
    found = {(f.check, f.problem.split(" (via")[0]) for f in run_check(runtime.app_for(fc_context())).findings
             if f.element == "Approval.Default"}
    assert found == {("template-variables", "approval approver notification template SMS_100000002"),
                     ("template", "approval cc notification template SMS_100000006")}
