"""The config check against the emulator: one finding for each kind of misconfiguration."""

import json

import pytest
from fc_support import fc_context, load_event
from functional_support import log_lines

from shared import App
from shared.checks.config_check import run_check
from shared.elements import runtime
from shared.elements.element import Element, TemplateNeed
from shared.settings import Endpoint, Settings

SIGN = "阿里云短信测试"


class NeedsTemplates(Element):
    """A test Type that relies on templates, as the verification and approval elements do."""

    config_files = {}

    def template_needs(self):
        extra = self.definition.model_extra
        return [TemplateNeed(n["service"], n["code"], n["purpose"],
                             frozenset(n["variables"]) if "variables" in n else None, n.get("count"))
                for n in extra["needs"]]


def write(root, path, data):
    file = root / path
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(json.dumps(data, ensure_ascii=False))


def sms(root, name, key_id, secret, sign=SIGN, e_type="SMS.Aliyun"):
    write(root, f"SMS/{name}/e.json", {"title": name, "type": e_type, "backendBundleEntry": "."})
    if secret is not None:
        write(root, f"SMS/{name}/sms.json", {"accessKey": key_id, "accessSecret": secret, "verifySign": sign})


@pytest.fixture
def check(emulator, tmp_path):
    root = tmp_path / "elements"

    def run(endpoint=None):
        app = App(Settings(elements_source=str(root), dysms_endpoint=Endpoint.parse(endpoint or emulator.endpoint, "t"),
                           send_max_attempts=1))
        app.register_type("Test.Needs", NeedsTemplates)
        report = run_check(app)
        return report, {(f.element, f.check, f.severity) for f in report.findings}

    run.root = root
    return run


def test_a_healthy_element_gets_only_the_plaintext_warning(check, emulator):
    sms(check.root, "Default", emulator.access_key_id, emulator.access_key_secret)
    report, found = check()
    assert found == {("SMS.Default", "plaintext-secret", "warning")}
    assert report.summary()["ok"] is True and report.elements == ["SMS.Default"]
    assert emulator.stats()["sms"] == {"GetSmsSign": 1}


def test_each_kind_of_misconfiguration_is_a_finding(check, emulator):
    key, secret = emulator.access_key_id, emulator.access_key_secret
    sms(check.root, "Broken", key, None)
    write(check.root, "SMS/Broken/sms.json", {"accessKey": key, "verifySign": SIGN})
    sms(check.root, "UnknownKey", "LTAI5tNoSuchKey", secret)
    sms(check.root, "WrongSecret", key, "wrong")
    sms(check.root, "NoSign", key, secret, sign="不存在的签名")
    sms(check.root, "Reviewing", key, secret, sign="审核中签名")
    sms(check.root, "Rejected", key, secret, sign="驳回签名")
    report, found = check()
    assert {(e, c, s) for e, c, s in found if c != "plaintext-secret"} == {
        ("SMS.Broken", "config", "error"),
        ("SMS.UnknownKey", "access-key", "error"),
        ("SMS.WrongSecret", "access-key", "error"),
        ("SMS.NoSign", "signature", "error"),
        ("SMS.Reviewing", "signature", "warning"),
        ("SMS.Rejected", "signature", "error"),
    }
    rejected = next(f for f in report.findings if f.element == "SMS.Rejected" and f.check == "signature")
    assert "签名与营业执照主体不一致" in rejected.problem and rejected.fix
    broken = next(f for f in report.findings if f.element == "SMS.Broken" and f.check == "config")
    assert "accessSecret: Field required" in broken.problem
    assert report.summary()["ok"] is False


def test_templates_other_elements_rely_on(check, emulator):
    sms(check.root, "Default", emulator.access_key_id, emulator.access_key_secret)
    approval = ["processTitle", "userNick"]
    needs = [
        {"service": "SMS.Default", "code": "SMS_100000003", "purpose": "approval", "variables": approval},
        {"service": "SMS.Default", "code": "SMS_100000001", "purpose": "verification", "count": 1},
        {"service": "SMS.Default", "code": "SMS_100000002", "purpose": "approval", "variables": approval},
        {"service": "SMS.Default", "code": "SMS_100000002", "purpose": "verification", "count": 1},
        {"service": "SMS.Default", "code": "SMS_404", "purpose": "approval", "variables": approval},
        {"service": "SMS.Default", "code": "SMS_100000004", "purpose": "verification", "count": 1},
        {"service": "SMS.Default", "code": "SMS_100000005", "purpose": "notification", "variables": ["name"]},
        {"service": "SMS.Missing", "code": "SMS_100000001", "purpose": "verification", "count": 1},
    ]
    write(check.root, "Test/Checker/e.json",
          {"title": "n", "type": "Test.Needs", "backendBundleEntry": ".", "needs": needs})
    report, _ = check()
    problems = sorted((f.check, f.severity, f.problem.split(" (via")[0]) for f in report.findings
                      if f.element == "Test.Checker")
    assert problems == [
        ("template", "error", "approval template SMS_404"),
        ("template", "error", "notification template SMS_100000005"),
        ("template", "error", "verification template SMS_100000001"),
        ("template", "warning", "verification template SMS_100000004"),
        ("template-variables", "error", "approval template SMS_100000002"),
        ("template-variables", "error", "verification template SMS_100000002"),
    ]
    rejected = next(f for f in report.findings if "SMS_100000005" in f.problem)
    assert rejected.problem.endswith("is rejected: 营销内容需补充退订方式")  # GetSmsTemplate's AuditInfo.RejectInfo
    # Only the current APIs: QuerySmsTemplate is offline and QuerySmsSign being retired (Aliyun's API list)
    assert emulator.stats()["sms"] == {"GetSmsSign": 1, "GetSmsTemplate": 7}


def test_a_type_element_is_checked_through_its_instances(check, emulator):
    sms(check.root, "Company", emulator.access_key_id, None)
    write(check.root, "SMS/Company/sms.json", {"accessKey": emulator.access_key_id, "verifySign": SIGN})
    sms(check.root, "Shop", None, None, e_type="SMS.Company")
    write(check.root, "SMS/Shop/sms.json", {"accessSecret": emulator.access_key_secret})
    report, found = check()
    assert found == {("SMS.Shop", "plaintext-secret", "warning")}
    assert emulator.stats()["sms"] == {"GetSmsSign": 1}


def test_unreachable_dysmsapi(check, emulator, closed_port_endpoint):
    sms(check.root, "Default", emulator.access_key_id, emulator.access_key_secret)
    _, found = check(closed_port_endpoint)
    assert ("SMS.Default", "reachability", "error") in found


def test_one_log_line_per_finding_and_a_summary(check, emulator, capsys):
    sms(check.root, "NoSign", emulator.access_key_id, emulator.access_key_secret, sign="不存在的签名")
    check()
    lines = log_lines(capsys.readouterr().out)
    findings = [line for line in lines if line["message"] == "config_check.finding"]
    assert {(f["element"], f["check"], f["severity"]) for f in findings} == {
        ("SMS.NoSign", "signature", "error"), ("SMS.NoSign", "plaintext-secret", "warning")}
    assert all(f["fix"] and f["problem"] for f in findings)
    [summary] = [line for line in lines if line["message"] == "config_check.summary"]
    assert (summary["errors"], summary["warnings"], summary["ok"]) == (1, 1, False)
    assert emulator.access_key_secret not in json.dumps(lines)


def test_handler_runs_on_the_timer_event(check, emulator, monkeypatch):
    from functions.config_check.index import handler
    from shared.elements import runtime

    sms(check.root, "Default", emulator.access_key_id, emulator.access_key_secret)
    monkeypatch.setenv("SMS_ELEMENTS_SOURCE", str(check.root))
    monkeypatch.setenv("SMS_DYSMS_ENDPOINT", emulator.endpoint)
    runtime.reset()
    event = json.dumps(load_event("timer_config_check.json")).encode()
    report = json.loads(handler(event, fc_context(function="config_check")))
    assert report["summary"]["ok"] is True and report["elements"] == ["SMS.Default"]
    bad = json.loads(handler(json.dumps({"triggerTime": "x", "triggerName": "t", "payload": "{oops"}).encode(),
                             fc_context()))
    assert "event.payload" in bad["error"]["message"]
    runtime.reset()


def oss_env(monkeypatch, emulator):
    from fc_support import STS

    env = {"SMS_ELEMENTS_SOURCE": "oss://sms-fc-elements/elements", "SMS_DYSMS_ENDPOINT": emulator.endpoint,
           "SMS_KMS_ENDPOINT": emulator.endpoint, "SMS_OSS_ENDPOINT": emulator.endpoint,
           "ALIBABA_CLOUD_ACCESS_KEY_ID": STS[0], "ALIBABA_CLOUD_ACCESS_KEY_SECRET": STS[1],
           "ALIBABA_CLOUD_SECURITY_TOKEN": STS[2], "SMS_SEND_MAX_ATTEMPTS": "1"}
    for name, value in env.items():
        monkeypatch.setenv(name, value)


def test_oss_elements_with_a_missing_kms_secret_and_the_report_written_to_oss(emulator, monkeypatch):
    from functions.config_check.index import handler
    from shared.elements import runtime

    oss_env(monkeypatch, emulator)
    emulator.oss_put("sms-fc-elements", "elements/SMS/Lost/e.json",
                     {"title": "l", "type": "SMS.Aliyun", "backendBundleEntry": "."})
    emulator.oss_put("sms-fc-elements", "elements/SMS/Lost/sms.json",
                     {"accessKey": "AK", "accessSecret": {"kms": "sms/absent"}, "verifySign": SIGN})
    runtime.reset()
    report = json.loads(handler(json.dumps({"reportTo": "oss://sms-fc-elements/reports"}).encode(),
                                fc_context(function="config_check")))
    runtime.reset()
    assert report["elements"] == ["SMS.Default", "SMS.Lost"]
    [lost] = report["findings"]
    assert (lost["element"], lost["check"], lost["severity"]) == ("SMS.Lost", "config", "error")
    assert "Forbidden.ResourceNotFound" in lost["problem"] and "'sms/absent'" in lost["problem"]
    assert report["writtenTo"] == "oss://sms-fc-elements/reports/latest.json"
    assert json.loads(emulator.oss_get("sms-fc-elements", "reports/latest.json")) == {
        k: v for k, v in report.items() if k != "writtenTo"}


def test_make_check_runs_by_hand_and_exits_1_on_errors(emulator, monkeypatch, capsys):
    from shared.checks.config_check import main

    oss_env(monkeypatch, emulator)
    assert main([]) == 0
    emulator.oss_put("sms-fc-elements", "elements/SMS/Bad/e.json",
                     {"title": "b", "type": "SMS.Aliyun", "backendBundleEntry": "."})
    emulator.oss_put("sms-fc-elements", "elements/SMS/Bad/sms.json", {"accessKey": "AK"})
    capsys.readouterr()
    assert main([]) == 1
    printed = capsys.readouterr().out
    report = json.loads(printed[printed.index('{\n'):])
    assert report["summary"]["errors"] == 1 and report["findings"][0]["element"] == "SMS.Bad"


def store_keys_check(emulator, root, **names):
    from shared.aliyun.credentials import Credentials

    settings = Settings(elements_source=str(root), dysms_endpoint=Endpoint.parse(emulator.endpoint, "t"),
                        kms_endpoint=Endpoint.parse(emulator.endpoint, "t"), send_max_attempts=1, **names)
    app = App(settings, credentials=Credentials(emulator.access_key_id, emulator.access_key_secret))
    return {(f.element, f.check, f.severity) for f in run_check(app).findings}


def test_the_store_keys_and_the_receipts_token_are_checked_as_a_request_would_use_them(check, emulator):
    sms(check.root, "Default", emulator.access_key_id, emulator.access_key_secret)
    emulator.kms_put_secret("sms-fc/receipts-token", "t" * 40)
    good = {"data_key_id": "alias/sms-fc-store", "hmac_key_secret": "sms-fc/hmac-key",
            "receipts_token_secret": "sms-fc/receipts-token"}  # in the emulator's default seed
    assert store_keys_check(emulator, check.root, **good) == {("SMS.Default", "plaintext-secret", "warning")}
    bad = {"data_key_id": "alias/nope", "hmac_key_secret": "nope/hmac", "receipts_token_secret": "nope/token"}
    assert store_keys_check(emulator, check.root, **bad) >= {
        ("(settings)", "data-key", "error"), ("(settings)", "hmac-key", "error"),
        ("(settings)", "receipts-token", "error")}


@pytest.mark.parametrize(("event", "named"), [
    ({"reportTo": "oss://[bucket/reports"}, "reportTo"),  # urlsplit's ValueError: was raised, not answered
    ({"triggerTime": "2026-11-24T19:00:00Z", "triggerName": "daily", "payload": '{"reportTo": "oss://[bucket"}'},
     "reportTo"),
    ({"reportTo": "https://example.com/r"}, "reportTo"),  # was blamed on SMS_ELEMENTS_SOURCE
    ({"reportTo": 5}, "reportTo"),
])
def test_a_bad_report_to_is_answered_naming_it_before_the_check_runs(emulator, monkeypatch, event, named):
    from functions.config_check.index import handler

    oss_env(monkeypatch, emulator)
    runtime.reset()
    try:
        answer = json.loads(handler(json.dumps(event).encode(), fc_context(function="config_check")))
    finally:
        runtime.reset()
    assert answer["error"]["message"].startswith(f"{named}: expected oss://")
    assert "oss" not in emulator.stats() or "ListObjectsV2" not in emulator.stats()["oss"]  # no check ran
