"""The receipts function's set-up: its token in KMS, pushes as Aliyun sends them, what the store holds."""

from fc_support import fc_context, http_event, invoke

from functions.receipts.index import handler
from shared.elements import runtime

TOKEN = "tok_" + "r" * 44  # the text of the KMS secret sms-fc/receipts-token in these tests
OK_BODY = '{"code": 0, "msg": "接收成功"}'
PUSH_HEADERS = {"Content-Type": "application/json;charset=utf-8", "User-Agent": "Aliyun-SMS-Push"}


def use_receipts_token(emulator, monkeypatch, token=TOKEN):
    emulator.kms_put_secret("sms-fc/receipts-token", token)
    monkeypatch.setenv("SMS_RECEIPTS_TOKEN_SECRET", "sms-fc/receipts-token")
    runtime.reset()


def push(kind, items, *, token=TOKEN, path=None, raw_body=None):
    """POST a batch to ``/<kind>/<token>`` (kind: ``report`` or ``up``) as Aliyun does; the decoded answer."""
    event = http_event(items, headers=dict(PUSH_HEADERS), path=path or f"/{kind}/{token}", raw_body=raw_body)
    return invoke(handler, event, fc_context(function="receipts"))


def reply(phone, content, sign="阿里云短信测试", **extra):
    item = {"phone_number": phone, "content": content, "send_time": "2026-05-01 10:00:00", "dest_code": "1234",
            "sequence_id": 1000000001, "sign_name": sign}
    item.update(extra)
    return {k: v for k, v in item.items() if v is not None}


def report(phone, *, success=True, err_code="DELIVERED", biz_id="900619746936498440^0", out_id="m-1", **extra):
    item = {"phone_number": phone, "send_time": "2026-05-01 10:00:00", "report_time": "2026-05-01 10:00:05",
            "success": success, "err_code": err_code, "err_msg": "用户接收成功", "sms_size": "1",
            "biz_id": biz_id, "out_id": out_id}
    item.update(extra)
    return item


def suppressed(sign, phones):
    """The numbers of ``phones`` on ``sign``'s opt-out list, read through the function instance's App."""
    app = runtime.app_for(fc_context(function="receipts"))
    lookups = {app.vault.lookup(phone): phone for phone in phones}
    return {lookups[found] for found in app.store.suppressed(sign, list(lookups))}
