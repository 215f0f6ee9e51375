"""The receipts function: Aliyun's HTTP batch push of SmsReport and SmsUp through handler(event, context).

Report ingestion into the real send log waits for ``apply_receipts`` on the stores (another change of
issue 13); here a recording wrapper stands in for it, so what the function hands over is checked.
"""

import json
from dataclasses import dataclass, field

import pytest
from fc_support import PHONE, auth, body, fc_context, http_event, invoke
from functional_support import NOTIFY_TEMPLATE, SIGN, VERIFY_TEMPLATE, log_lines
from receipts_support import OK_BODY, TOKEN, push, reply, report, suppressed, use_receipts_token

from functions.send_sms.index import handler as send_handler
from shared.elements import runtime
from shared.receipts.items import beijing_time
from shared.sms.suppression import forget_template_types
from shared.store.message_log import ReceiptCounts

OTHER = "13900139000"


@pytest.fixture
def receipts(service, monkeypatch):
    use_receipts_token(service, monkeypatch)
    forget_template_types()
    yield service
    forget_template_types()


@dataclass
class RecordingLog:
    """The instance's store with ``apply_receipts`` recording each call (the send log is not merged yet)."""

    store: object
    calls: list = field(default_factory=list)
    counts: ReceiptCounts = ReceiptCounts(applied=1, unchanged=1, unknown=1)

    def apply_receipts(self, receipts):
        self.calls.append(list(receipts))
        return self.counts

    def __getattr__(self, name):
        return getattr(self.store, name)


def use_store(replacement_for):
    app = runtime.app_for(fc_context(function="receipts"))
    replacement = replacement_for(app.store)
    app.__dict__["store"] = replacement
    return replacement


def send(phones, template=NOTIFY_TEMPLATE, params=None):
    params = params if params is not None else {"name": "张三", "order": 1024}
    return invoke(send_handler, http_event(body(phoneList=phones, templateCode=template, params=params),
                                           headers=auth()))


# -- the answer and the token ---------------------------------------------------------------------


def test_a_stored_batch_is_answered_exactly_as_aliyun_asks(receipts):
    answer = push("up", [reply(PHONE, "TD")])
    assert answer["statusCode"] == 200
    assert answer["body"] == OK_BODY
    assert answer["json"] == {"code": 0, "msg": "接收成功"}


@pytest.mark.parametrize("path", [f"/up/{TOKEN[:-1]}x", f"/up/{TOKEN}x", "/up/", "/up", f"/up/{TOKEN}/more",
                                  f"/report/{TOKEN[:-1]}", "/up/" + "é" * 40])
def test_a_wrong_or_missing_token_is_a_404_that_stores_nothing(receipts, path, capsys):
    answer = push("up", [reply(PHONE, "TD")], path=path)
    assert answer["statusCode"] == 404
    assert answer["body"] != OK_BODY
    assert suppressed(SIGN, [PHONE]) == set()
    assert TOKEN not in capsys.readouterr().out


def test_the_token_is_compared_in_constant_time(receipts, monkeypatch):
    import shared.fc.receipts as route

    compared = []
    real = route.hmac.compare_digest

    def spy(a, b):
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(route.hmac, "compare_digest", spy)
    assert push("up", [reply(PHONE, "好")], token="wrong-token")["statusCode"] == 404
    assert push("up", [reply(PHONE, "好")])["statusCode"] == 200
    assert [pair for pair in compared if TOKEN.encode() in pair] == [(b"wrong-token", TOKEN.encode()),
                                                                     (TOKEN.encode(), TOKEN.encode())]


def test_the_token_may_come_as_a_query_parameter(receipts):
    event = http_event([reply(PHONE, "TD")], headers={"Content-Type": "application/json"}, path="/up")
    event["queryParameters"] = {"token": TOKEN}
    from functions.receipts.index import handler

    assert invoke(handler, event, fc_context(function="receipts"))["body"] == OK_BODY
    assert suppressed(SIGN, [PHONE]) == {PHONE}


def test_without_a_configured_token_every_push_fails_so_aliyun_retries(service, monkeypatch):
    monkeypatch.delenv("SMS_RECEIPTS_TOKEN_SECRET", raising=False)
    runtime.reset()
    answer = push("up", [reply(PHONE, "TD")])
    assert answer["statusCode"] >= 500 and answer["body"] != OK_BODY
    assert "SMS_RECEIPTS_TOKEN_SECRET" in answer["json"]["error"]["message"]


@pytest.mark.parametrize("token", ["short", "t" * 257])  # too short to be a secret; longer than a push is read
def test_a_token_of_the_wrong_length_is_a_config_error_so_aliyun_retries(service, monkeypatch, token):
    use_receipts_token(service, monkeypatch, token=token)
    answer = push("up", [reply(PHONE, "TD")], token=token)
    assert answer["statusCode"] >= 500 and answer["body"] != OK_BODY
    assert "32 to 256 characters" in answer["json"]["error"]["message"]
    assert suppressed(SIGN, [PHONE]) == set()


def test_the_longest_token_is_read_whole(service, monkeypatch):
    token = "t" * 256
    use_receipts_token(service, monkeypatch, token=token)
    forget_template_types()
    assert push("up", [reply(PHONE, "TD")], token=token)["body"] == OK_BODY
    assert push("up", [reply(PHONE, "TD")], token=token + "x")["statusCode"] == 404  # a longer one is not it
    assert suppressed(SIGN, [PHONE]) == {PHONE}


def test_only_post_is_served(receipts):
    event = http_event(None, headers={}, method="GET", path=f"/up/{TOKEN}")
    from functions.receipts.index import handler

    answer = invoke(handler, event, fc_context(function="receipts"))
    assert answer["statusCode"] == 405 and answer["headers"]["Allow"] == "POST"


@pytest.mark.parametrize("raw", ["", "{}", '{"phone_number": "13800138000"}', "not json", "[1,", '"x"',
                                 "[" * 1_500 + "]" * 1_500])  # nested past json.loads' recursion limit
def test_a_body_that_is_not_an_array_is_a_400(receipts, raw):
    answer = push("up", None, raw_body=raw)
    assert answer["statusCode"] == 400 and answer["body"] != OK_BODY


# -- replies and opt-outs -------------------------------------------------------------------------


@pytest.mark.parametrize("content", ["TD", "td", " T ", "退订", "n", "\tN\n"])
def test_an_opt_out_word_puts_the_number_on_the_signatures_list(receipts, content):
    assert push("up", [reply(PHONE, content)])["body"] == OK_BODY
    assert suppressed(SIGN, [PHONE, OTHER]) == {PHONE}
    assert suppressed("其他签名", [PHONE]) == set()


@pytest.mark.parametrize("content", ["好的", "TD 谢谢", "不要退订", "NO", ""])
def test_other_replies_opt_nobody_out(receipts, content):
    assert push("up", [reply(PHONE, content)])["body"] == OK_BODY
    assert suppressed(SIGN, [PHONE]) == set()


def test_the_opt_out_words_are_a_setting(receipts, monkeypatch):
    monkeypatch.setenv("SMS_OPT_OUT_WORDS", "STOP, 取消")
    runtime.reset()
    push("up", [reply(PHONE, "td"), reply(OTHER, " stop ")])
    assert suppressed(SIGN, [PHONE, OTHER]) == {OTHER}


def test_a_malformed_item_is_logged_masked_and_skipped_without_failing_the_batch(receipts, capsys):
    items = [reply(PHONE, "TD"), {"phone_number": "1380013800X", "content": "TD"}, 5, None,
             reply("13700137000", "TD", send_time="yesterday"), reply("12345678901", "TD"),
             reply(OTHER, "TD", sign="另一签名"), reply("13600136000", ["TD"]), reply("13500135000", "TD", sign="")]
    answer = push("up", items)
    assert answer["body"] == OK_BODY
    assert suppressed(SIGN, [PHONE]) == {PHONE}
    assert suppressed("另一签名", [OTHER]) == {OTHER}
    assert suppressed(SIGN, ["13700137000", "13600136000", "13500135000"]) == set()
    out = capsys.readouterr().out
    skipped = [line for line in log_lines(out) if line["message"] == "receipts.item_skipped"]
    assert [line["index"] for line in skipped] == [1, 2, 3, 4, 5, 7, 8]
    push_line = next(line for line in log_lines(out) if line["message"] == "receipts.push")
    assert (push_line["items"], push_line["skipped"], push_line["optOuts"]) == (9, 7, 2)
    for number in (PHONE, OTHER, "13700137000", "13600136000", "13500135000", "1380013800X"):
        assert number not in out


def test_an_opt_out_without_sign_name_is_counted_and_stores_nothing(receipts, capsys):
    assert push("up", [reply(PHONE, "TD", sign=None)])["body"] == OK_BODY
    assert suppressed(SIGN, [PHONE]) == set()
    line = next(line for line in log_lines(capsys.readouterr().out) if line["message"] == "receipts.push")
    assert line["unattributed"] == 1 and line["optOuts"] == 0


def test_a_repeated_push_changes_nothing(receipts, capsys):
    for _ in range(2):
        assert push("up", [reply(PHONE, "TD"), reply(PHONE, "退订")])["body"] == OK_BODY
    lines = [line for line in log_lines(capsys.readouterr().out) if line["message"] == "receipts.push"]
    assert [(line["optOuts"], line["alreadyOptedOut"]) for line in lines] == [(1, 1), (0, 2)]
    assert suppressed(SIGN, [PHONE]) == {PHONE}


def test_sequence_id_may_be_a_number_or_a_string(receipts):
    push("up", [reply(PHONE, "TD", sequence_id="1234567890"), reply(OTHER, "TD", sequence_id=42)])
    assert suppressed(SIGN, [PHONE, OTHER]) == {PHONE, OTHER}


def test_the_store_failing_is_a_5xx_so_aliyun_pushes_again(receipts, monkeypatch):
    monkeypatch.setenv("SMS_STORE_URL", "redis://127.0.0.1:1/0")
    runtime.reset()
    answer = push("up", [reply(PHONE, "TD")])
    assert answer["statusCode"] == 503 and answer["body"] != OK_BODY


# -- suppression at send time ---------------------------------------------------------------------


def test_a_notification_skips_an_opted_out_number_and_reports_it(receipts):
    push("up", [reply(PHONE, "TD")])
    answer = send([PHONE, OTHER])
    assert answer["statusCode"] == 200
    recipients = answer["json"]["recipients"]
    assert recipients["suppressed"] == ["138****8000"] and recipients["phones"] == 1
    assert [m["phone"] for m in receipts.messages()] == [OTHER]


def test_a_send_nobody_opted_out_of_reports_nothing_suppressed_and_asks_no_template(receipts):
    answer = send([PHONE])
    assert answer["json"]["recipients"]["suppressed"] == []
    assert receipts.stats().get("sms", {}).get("GetSmsTemplate", 0) == 0


def test_a_send_to_opted_out_numbers_only_is_a_422_that_sends_nothing(receipts):
    push("up", [reply(PHONE, "TD")])
    answer = send([PHONE])
    assert answer["statusCode"] == 422
    assert answer["json"]["error"]["recipients"]["suppressed"] == ["138****8000"]
    assert receipts.messages() == []


def test_a_verification_code_still_reaches_an_opted_out_number(receipts):
    push("up", [reply(PHONE, "退订")])
    answer = send([PHONE], template=VERIFY_TEMPLATE, params={"code": "482916"})
    assert answer["statusCode"] == 200
    assert answer["json"]["recipients"]["suppressed"] == []
    assert [m["phone"] for m in receipts.messages()] == [PHONE]


def test_the_template_type_is_asked_once_and_cached(receipts):
    push("up", [reply(PHONE, "TD")])
    for _ in range(3):
        send([PHONE, OTHER])
    assert receipts.stats()["sms"]["GetSmsTemplate"] == 1
    assert len(receipts.messages()) == 3


def test_an_opt_out_is_per_signature(receipts):
    push("up", [reply(PHONE, "TD", sign="另一签名")])
    answer = send([PHONE])
    assert answer["statusCode"] == 200 and answer["json"]["recipients"]["suppressed"] == []


def test_when_the_template_type_cannot_be_had_the_opt_out_is_respected(receipts):
    push("up", [reply(PHONE, "TD")])
    receipts.set_chaos([{"service": "sms", "action": "GetSmsTemplate", "fault": {"type": "http", "status": 503}}])
    answer = send([PHONE, OTHER], template=VERIFY_TEMPLATE, params={"code": "482916"})
    assert answer["json"]["recipients"]["suppressed"] == ["138****8000"]
    assert [m["phone"] for m in receipts.messages()] == [OTHER]


def test_no_number_of_an_opt_out_rests_in_the_store(receipts, tmp_path):
    push("up", [reply(PHONE, "TD")])
    raw = (tmp_path / "store.db").read_bytes()
    assert PHONE.encode() not in raw and b"138****8000" not in raw


# -- delivery receipts ----------------------------------------------------------------------------


def test_a_batch_of_reports_is_one_apply_receipts_call(receipts, capsys):
    app = runtime.app_for(fc_context(function="receipts"))
    recording = use_store(RecordingLog)
    items = [report(PHONE), report(OTHER, success=False, err_code="MOBILE_NOT_ON_SERVICE", out_id="", biz_id="b-2"),
             {"phone_number": PHONE, "success": "yes"}, report("13700137000", report_time="2026-13-01 00:00:00")]
    answer = push("report", items)
    assert answer["body"] == OK_BODY
    [batch] = recording.calls
    first, second = batch
    assert first.lookup == app.vault.lookup(PHONE) and second.lookup == app.vault.lookup(OTHER)
    assert (first.success, first.err_code, first.biz_id, first.out_id) == (True, "DELIVERED",
                                                                           "900619746936498440^0", "m-1")
    assert (second.success, second.err_code, second.out_id, second.biz_id) == (False, "MOBILE_NOT_ON_SERVICE",
                                                                               None, "b-2")
    assert first.report_time == beijing_time("2026-05-01 10:00:05") == 1777600805.0  # 02:00:05 UTC
    out = capsys.readouterr().out
    line = next(line for line in log_lines(out) if line["message"] == "receipts.reports")
    assert (line["receipts"], line["applied"], line["unchanged"], line["unknown"]) == (2, 1, 1, 1)
    assert PHONE not in out and OTHER not in out


def test_an_empty_batch_is_accepted_without_a_store_call(receipts):
    recording = use_store(RecordingLog)
    assert push("report", [])["body"] == OK_BODY
    assert recording.calls == []


def test_receipts_settle_the_send_log_once_and_unknown_ones_are_counted(receipts, capsys):
    """End to end on the real store: send_sms logs the message submitted; Aliyun's receipts for
    it (by OutId and BizId) settle each number; a replay changes nothing; a stranger is counted."""
    answer = send([PHONE, OTHER])
    [message_id] = answer["json"]["messageIds"]
    sent = {m["phone"]: m for m in receipts.messages()}
    app = runtime.app_for(fc_context(function="receipts"))
    assert [n.status for n in app.store.get_send(message_id).numbers] == ["submitted", "submitted"]
    batch = [report(PHONE, biz_id=sent[PHONE]["bizId"], out_id=message_id),
             report(OTHER, success=False, err_code="UNDELIV", biz_id=sent[OTHER]["bizId"], out_id=message_id)]
    assert push("report", batch)["body"] == OK_BODY
    numbers = app.store.get_send(message_id).numbers
    assert [(n.status, n.err_code) for n in numbers] == [("delivered", "DELIVERED"), ("failed", "UNDELIV")]
    assert push("report", batch)["body"] == OK_BODY  # Aliyun pushes again: nothing moves
    assert app.store.get_send(message_id).numbers == numbers
    assert push("report", [report(PHONE, biz_id="1^0", out_id=None)])["body"] == OK_BODY
    assert push("report", [report(PHONE, biz_id="1^0", out_id="not-logged-yet")])["body"] == OK_BODY
    counts = [(line["applied"], line["unchanged"], line["unknown"], line["held"])
              for line in log_lines(capsys.readouterr().out) if line["message"] == "receipts.push"]
    assert counts == [(2, 0, 0, 0), (0, 2, 0, 0), (0, 0, 1, 0), (0, 0, 0, 1)]


def test_a_receipt_pushed_before_the_send_is_recorded_settles_it(receipts, monkeypatch):
    """send_sms with an Idempotency-Key writes its send-log record with the key's outcome, just after
    the send; Aliyun's receipt can come in between, and is held for the record, not lost."""
    app = runtime.app_for(fc_context())
    complete, pushes = app.store.complete, []

    def complete_after_the_push(*args, **kwargs):
        [sent] = receipts.messages()
        pushes.append(push("report", [report(PHONE, biz_id=sent["bizId"], out_id=sent["outId"])]))
        return complete(*args, **kwargs)

    monkeypatch.setattr(app.store, "complete", complete_after_the_push)
    answer = invoke(send_handler, http_event(body(phoneList=[PHONE]), headers=auth(**{"Idempotency-Key": "o-1"})))
    assert answer["statusCode"] == 200 and pushes[0]["body"] == OK_BODY  # Aliyun was told it is stored
    [message_id] = answer["json"]["messageIds"]
    assert [(n.status, n.by_receipt) for n in app.store.get_send(message_id).numbers] == [("delivered", True)]


def test_sample_report_and_reply_bodies_from_aliyuns_pages_are_read(receipts):
    recording = use_store(RecordingLog)
    documented = json.loads('[{"phone_number" : "13811110000", "send_time" : "2017-01-01 00:00:00", "report_time" : '
                            '"2017-01-01 00:00:00", "success" : true, "err_code" : "DELIVERED", "err_msg" : '
                            '"用户接收成功", "sms_size" : "1", "biz_id" : "12345", "out_id" : "67890"}]')
    assert push("report", documented)["body"] == OK_BODY
    assert [r.out_id for r in recording.calls[0]] == ["67890"]


# -- approvals skip opted-out approvers -----------------------------------------------------------


@pytest.mark.parametrize("store_kind", ["sqlite", pytest.param("redis", marks=pytest.mark.redis)])
def test_an_approval_notice_skips_an_opted_out_approver_and_reports_it(receipts, monkeypatch, request, store_kind):
    from approval_support import approval_event, deliver, texted, write_defaults

    if store_kind == "redis":
        monkeypatch.setenv("SMS_STORE_URL", request.getfixturevalue("redis_url"))
        runtime.reset()
    write_defaults()
    assert push("up", [reply("13800138001", "退订")])["body"] == OK_BODY
    event = approval_event()
    [answer] = deliver(event)
    assert answer["outcome"] == "sent" and answer["sent"] == 1
    assert answer["suppressed"] == ["138****8001"]
    assert texted(receipts) == {"13800138005": 1}
    [again] = deliver(event)
    assert again == {**answer, "replayed": True}
    assert texted(receipts) == {"13800138005": 1}


def test_a_push_does_not_import_the_dysmsapi_sdk(receipts):
    import os
    import subprocess
    import sys

    from fc_support import ROOT

    script = (
        "import json, sys\n"
        "sys.path[:0] = ['tests/functional', '.']\n"
        "from receipts_support import push, reply\n"
        "assert push('up', [reply('13800138000', 'TD')])['statusCode'] == 200\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('alibabacloud_dysms'))))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=dict(os.environ), capture_output=True,
                          text=True, check=True)
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []
    assert suppressed(SIGN, [PHONE]) == {PHONE}  # the push really ran
