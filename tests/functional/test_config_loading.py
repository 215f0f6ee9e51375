"""Element JSON from OSS, credentials from KMS, through the real SDKs against the emulator."""

import threading
from types import SimpleNamespace

import pytest

from shared import App, ConfigError, ConfigUnavailableError
from shared.aliyun.credentials import Credentials
from shared.settings import Endpoint, Settings

BUCKET = "sms-fc-elements"
SOURCE = f"oss://{BUCKET}/elements"
STS_ID = "STS.TestKeyId00000000000000001"
STS_SECRET = "TestStsSecret00000000000000000001"
STS_TOKEN = "TestSecurityToken000000000000000000000001"
E_JSON = {"title": "x", "type": "SMS.Aliyun", "backendBundleEntry": "."}


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def make_oss_app(emulator, clock):
    def build(credentials=None, source=SOURCE, **overrides):
        options = {"send_max_attempts": 1, "retry_base_delay_ms": 0, "retry_max_delay_ms": 0, **overrides}
        settings = Settings(
            elements_source=source,
            dysms_endpoint=Endpoint.parse(emulator.endpoint, "test"),
            kms_endpoint=Endpoint.parse(emulator.endpoint, "test"),
            oss_endpoint=emulator.endpoint,
            **options,
        )
        creds = credentials if credentials is not None else Credentials(STS_ID, STS_SECRET, STS_TOKEN)
        return App(settings, credentials=creds, clock=clock)

    return build


def outage(emulator, service, action="*", status=503):
    emulator.set_chaos([{"service": service, "action": action, "probability": 1.0,
                         "fault": {"type": "http", "status": status}}])


def requests_to(emulator, service):
    return sum(emulator.stats().get(service, {}).values())


def test_element_from_oss_with_secret_from_kms_sends(make_oss_app, emulator):
    element = make_oss_app().getElement("SMS.Default")
    assert element.config.accessSecret == emulator.access_key_secret  # resolved from KMS JSON field
    assert element.sendMessage(["13800138000"], {"code": "1234"}, "SMS_100000001")["Code"] == "OK"
    assert emulator.stats()["kms"]["GetSecretValue"] == 1


def test_whole_secret_reference_and_type_chain_from_oss(make_oss_app, emulator):
    emulator.oss_put(BUCKET, "elements/SMS/Company/e.json", E_JSON)
    emulator.oss_put(BUCKET, "elements/SMS/Company/sms.json",
                     {"accessKey": emulator.access_key_id, "accessSecret": {"kms": "sms/default-secret"},
                      "verifySign": "阿里云短信测试"})
    emulator.oss_put(BUCKET, "elements/SMS/Shop/e.json", {**E_JSON, "type": "SMS.Company"})
    element = make_oss_app().getElement("SMS.Shop")
    assert element.config.accessSecret == emulator.access_key_secret
    assert element.sendMessage(["13800138000"], {"code": "1234"}, "SMS_100000001")["Code"] == "OK"


def test_credentials_come_from_the_fc_context_or_the_environment(emulator):
    context = SimpleNamespace(credentials=SimpleNamespace(
        access_key_id=STS_ID, access_key_secret=STS_SECRET, security_token=STS_TOKEN))
    assert Credentials.for_invocation(context, {}) == Credentials(STS_ID, STS_SECRET, STS_TOKEN)
    env = {"ALIBABA_CLOUD_ACCESS_KEY_ID": STS_ID, "ALIBABA_CLOUD_ACCESS_KEY_SECRET": STS_SECRET,
           "ALIBABA_CLOUD_SECURITY_TOKEN": STS_TOKEN, "SMS_ELEMENTS_SOURCE": SOURCE,
           "SMS_OSS_ENDPOINT": emulator.endpoint, "SMS_KMS_ENDPOINT": emulator.endpoint}
    assert App.from_env(env).getElement("SMS.Default").config.verifySign == "阿里云短信测试"
    assert App.from_env({**env, "ALIBABA_CLOUD_SECURITY_TOKEN": "x"}, context=context).credentials.security_token \
        == STS_TOKEN


def test_wrong_sts_token_is_a_config_error_naming_oss(make_oss_app):
    with pytest.raises(ConfigError) as info:
        make_oss_app(Credentials(STS_ID, STS_SECRET, "wrong-token")).getElement("SMS.Default")
    assert info.value.code == 46001
    assert "SMS.Default" in info.value.message and "OSS answered" in info.value.message
    assert info.value.provider_code


def test_changed_token_rebuilds_the_clients(make_oss_app):
    app = make_oss_app()
    app.getElement("SMS.Default")
    app.use_credentials(Credentials(STS_ID, STS_SECRET, "rotated-but-wrong"))
    with pytest.raises(ConfigError, match="OSS answered"):
        app.refresh("SMS.Default")


def test_no_credentials_is_a_clear_error(make_oss_app):
    app = make_oss_app()
    app.use_credentials(None)
    with pytest.raises(ConfigError, match="no credentials for OSS"):
        app.getElement("SMS.Default")


@pytest.mark.parametrize(
    ("source", "fragment", "code"),
    [
        (SOURCE, r"unknown element SMS\.Nope: oss://sms-fc-elements/elements/SMS/Nope/e\.json does not exist", None),
        ("oss://no-such-bucket/elements", r"OSS answered NoSuchBucket \(HTTP 404\)", "NoSuchBucket"),
    ],
)
def test_missing_element_or_bucket(make_oss_app, source, fragment, code):
    with pytest.raises(ConfigError, match=fragment) as info:
        make_oss_app(source=source).getElement("SMS.Nope")
    assert info.value.provider_code == code


def test_wrong_secret_for_oss_names_the_signature_error(make_oss_app, emulator):
    with pytest.raises(ConfigError) as info:
        make_oss_app(Credentials(emulator.access_key_id, "wrong")).getElement("SMS.Default")
    assert info.value.provider_code == "SignatureDoesNotMatch"
    assert "HTTP 403" in info.value.message


def test_missing_kms_secret_names_element_file_and_code(make_oss_app, emulator):
    emulator.oss_put(BUCKET, "elements/SMS/Lost/e.json", E_JSON)
    emulator.oss_put(BUCKET, "elements/SMS/Lost/sms.json",
                     {"accessKey": "AK", "accessSecret": {"kms": "sms/absent"}, "verifySign": "s"})
    with pytest.raises(ConfigError) as info:
        make_oss_app().getElement("SMS.Lost")
    error = info.value
    assert (error.code, error.provider_code) == (46001, "Forbidden.ResourceNotFound")
    assert "SMS.Lost" in error.message and "'sms/absent'" in error.message and "HTTP 404" in error.message


def test_kms_field_reference_into_a_non_json_secret(make_oss_app, emulator):
    emulator.oss_put(BUCKET, "elements/SMS/Odd/e.json", E_JSON)
    emulator.oss_put(BUCKET, "elements/SMS/Odd/sms.json",
                     {"accessKey": "AK", "accessSecret": {"kms": "sms/default-secret", "key": "x"}, "verifySign": "s"})
    with pytest.raises(ConfigError, match=r"sms\.json\.accessSecret: KMS secret 'sms/default-secret' is not JSON"):
        make_oss_app().getElement("SMS.Odd")


@pytest.mark.parametrize(("service", "action"), [("oss", "GetObject"), ("kms", "GetSecretValue")])
def test_outage_with_nothing_cached_is_46003_naming_the_service(make_oss_app, emulator, service, action):
    outage(emulator, service, action)
    with pytest.raises(ConfigUnavailableError) as info:
        make_oss_app().getElement("SMS.Default")
    assert info.value.code == 46003
    assert f"{service.upper()} failed" in info.value.message and "SMS.Default" in info.value.message


def test_warm_calls_inside_the_ttl_make_no_oss_or_kms_request(make_oss_app, emulator, clock):
    app = make_oss_app()
    app.getElement("SMS.Default").sendMessage(["13800138000"], {"code": "1234"}, "SMS_100000001")
    before = (requests_to(emulator, "oss"), requests_to(emulator, "kms"))
    clock.now += 299
    for phone in ("13900139000", "13700137000"):
        app.getElement("SMS.Default").sendMessage([phone], {"code": "1234"}, "SMS_100000001")
    assert (requests_to(emulator, "oss"), requests_to(emulator, "kms")) == before


def test_reload_after_the_ttl_picks_up_changes(make_oss_app, emulator, clock):
    app = make_oss_app()
    assert app.getElement("SMS.Default").config.verifySign == "阿里云短信测试"
    emulator.oss_put(BUCKET, "elements/SMS/Default/sms.json",
                     {"accessKey": emulator.access_key_id, "accessSecret": {"kms": "sms/default-secret"},
                      "verifySign": "新签名"})
    clock.now += 299
    assert app.getElement("SMS.Default").config.verifySign == "阿里云短信测试"
    clock.now += 1
    assert app.getElement("SMS.Default").config.verifySign == "新签名"


def test_rotated_secret_is_read_after_the_ttl(make_oss_app, emulator, clock):
    app = make_oss_app()
    app.getElement("SMS.Default")
    emulator.kms_put_secret("sms/default", '{"accessKey": "AK2", "accessSecret": "rotated"}')
    assert app.getElement("SMS.Default").config.accessSecret == emulator.access_key_secret
    clock.now += 300
    assert app.getElement("SMS.Default").config.accessSecret == "rotated"


def test_stale_config_serves_during_an_outage_within_grace(make_oss_app, emulator, clock, capsys):
    app = make_oss_app(config_max_age=300, config_stale_grace=600)
    first = app.getElement("SMS.Default")
    outage(emulator, "oss")
    clock.now += 899
    assert app.getElement("SMS.Default") is first
    assert '"config.stale"' in capsys.readouterr().out
    clock.now += 1
    with pytest.raises(ConfigUnavailableError, match="OSS failed"):
        app.getElement("SMS.Default")


def test_forced_refresh_reads_now_and_reports_an_outage(make_oss_app, emulator):
    app = make_oss_app()
    app.getElement("SMS.Default")
    before = requests_to(emulator, "oss")
    app.refresh("SMS.Default")
    assert requests_to(emulator, "oss") > before
    outage(emulator, "kms", status=500)
    with pytest.raises(ConfigUnavailableError, match="KMS failed"):
        app.refresh("SMS.Default")
    assert app.getElement("SMS.Default").config.verifySign == "阿里云短信测试"  # the cache still serves


def test_concurrent_first_loads_fetch_once(make_oss_app, emulator):
    app = make_oss_app()
    emulator.set_chaos([{"service": "oss", "action": "GetObject", "probability": 1.0,
                         "fault": {"type": "latency", "ms": 150}}])
    results = []
    threads = [threading.Thread(target=lambda: results.append(app.getElement("SMS.Default"))) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(results) == 6 and all(r is results[0] for r in results)
    assert emulator.stats()["oss"]["GetObject"] == 2  # e.json and sms.json, once
    assert emulator.stats()["kms"]["GetSecretValue"] == 1


DEEP = "[" * 100_000 + "]" * 100_000  # JSON nested past the parser's recursion limit


@pytest.mark.parametrize("where", ["e.json", "sms.json", "kms secret"])
def test_json_nested_too_deeply_in_an_element_file_or_secret_is_a_config_error(make_oss_app, emulator, where):
    emulator.oss_put(BUCKET, "elements/SMS/Deep/e.json", DEEP if where == "e.json" else E_JSON)
    sms = {"accessKey": "AK", "accessSecret": {"kms": "sms/deep", "key": "accessSecret"}, "verifySign": "s"}
    emulator.oss_put(BUCKET, "elements/SMS/Deep/sms.json", DEEP if where == "sms.json" else sms)
    emulator.kms_put_secret("sms/deep", DEEP)
    with pytest.raises(ConfigError) as info:  # was a RecursionError
        make_oss_app().getElement("SMS.Deep")
    assert info.value.code == 46001 and "SMS.Deep" in info.value.message


def test_config_check_reports_an_element_nested_too_deeply(make_oss_app, emulator):
    from shared.checks.config_check import run_check

    emulator.oss_put(BUCKET, "elements/SMS/Deep/e.json", E_JSON)
    emulator.oss_put(BUCKET, "elements/SMS/Deep/sms.json", DEEP)
    report = run_check(make_oss_app())
    assert any(f.element == "SMS.Deep" and f.check == "config" for f in report.findings)


def test_an_sms_name_whose_type_is_of_another_kind_is_a_config_error_and_a_finding(make_oss_app, emulator):
    from shared.checks.config_check import run_check

    emulator.oss_put(BUCKET, "elements/SMS/Dir/e.json", {**E_JSON, "type": "Directory.Static"})
    emulator.oss_put(BUCKET, "elements/SMS/Dir/directory.json", {"members": []})
    app = make_oss_app()
    with pytest.raises(ConfigError) as info:  # was an AttributeError: no sendMessage on a directory
        app.getElement("SMS.Dir").sendMessage(["13800138000"], {"code": "1234"}, "SMS_100000001")
    assert info.value.code == 46001 and "needs a SMS Type" in info.value.message
    assert [f.check for f in run_check(app).findings if f.element == "SMS.Dir"] == ["config"]


def test_an_element_name_too_long_for_any_file_is_a_46001_that_asks_oss_nothing(make_oss_app, emulator):
    with pytest.raises(ConfigError) as info:
        make_oss_app().getElement("SMS." + "a" * 2000)
    assert (info.value.code, info.value.retry_after) == (46001, None)  # not a retryable "OSS failed"
    assert "at most 128 characters" in info.value.message
    assert emulator.stats().get("oss", {}) == {}


@pytest.mark.parametrize("edit", ["deleted", "invalid"])
def test_an_element_deleted_or_made_invalid_is_an_error_once_its_cache_expires(make_oss_app, emulator, clock, edit):
    """Stale values serve only through an outage: what OSS answered (gone, invalid) holds at once."""
    app = make_oss_app(config_max_age=300, config_stale_grace=3600)
    app.getElement("SMS.Default")
    if edit == "deleted":
        with emulator.state.lock:
            emulator.state.oss.bucket(BUCKET).objects.pop("elements/SMS/Default/e.json")
    else:
        emulator.oss_put(BUCKET, "elements/SMS/Default/sms.json", {"accessKey": emulator.access_key_id})
    clock.now = 301
    with pytest.raises(ConfigError) as info:
        app.getElement("SMS.Default")
    assert info.value.code == 46001


def test_a_rotated_secret_shared_by_two_elements_is_used_within_max_age(make_oss_app, emulator, clock):
    """An element built from a secret another element had cached would live past the rotation
    for up to twice the max age: each build reads its secrets anew."""
    for name in ("A", "B"):
        emulator.oss_put(BUCKET, f"elements/SMS/{name}/e.json", E_JSON)
        emulator.oss_put(BUCKET, f"elements/SMS/{name}/sms.json",
                         {"accessKey": emulator.access_key_id, "accessSecret": {"kms": "sms/shared"},
                          "verifySign": "阿里云短信测试"})
    emulator.kms_put_secret("sms/shared", "old-secret")
    app = make_oss_app(config_max_age=300)
    app.getElement("SMS.A")  # t=0
    clock.now = 10
    emulator.kms_put_secret("sms/shared", "new-secret")  # rotated at t=10
    clock.now = 290
    assert app.getElement("SMS.B").config.accessSecret == "new-secret"  # built now, from KMS now
    assert app.getElement("SMS.A").config.accessSecret == "old-secret"  # cached until t=300
    clock.now = 301
    assert app.getElement("SMS.A").config.accessSecret == "new-secret"


def shared_secret_elements(emulator, names=("A", "B")):
    for name in names:
        emulator.oss_put(BUCKET, f"elements/SMS/{name}/e.json", E_JSON)
        emulator.oss_put(BUCKET, f"elements/SMS/{name}/sms.json", {
            "accessKey": {"kms": "sms/pair", "key": "accessKey"}, "accessSecret": {"kms": "sms/pair", "key": "secret"},
            "verifySign": "阿里云短信测试"})
    emulator.kms_put_secret("sms/pair", '{"accessKey": "AK", "secret": "S1"}')


def test_a_secret_named_twice_in_an_element_is_read_once_per_build(make_oss_app, emulator):
    shared_secret_elements(emulator)
    app = make_oss_app()
    assert (app.getElement("SMS.A").config.accessKey, app.getElement("SMS.A").config.accessSecret) == ("AK", "S1")
    assert emulator.stats()["kms"]["GetSecretValue"] == 1
    app.getElement("SMS.B")  # another build: read anew, once
    assert emulator.stats()["kms"]["GetSecretValue"] == 2


def test_while_kms_fails_a_new_element_is_built_from_the_cached_secret(make_oss_app, emulator):
    shared_secret_elements(emulator)
    app = make_oss_app()
    app.getElement("SMS.A")
    outage(emulator, "kms")
    assert app.getElement("SMS.B").config.accessSecret == "S1"


def test_while_kms_fails_an_expired_cached_secret_serves_after_one_read(make_oss_app, emulator, clock):
    """The build's own read fails; the cached copy (stale within the grace) serves without a second read."""
    shared_secret_elements(emulator)
    app = make_oss_app(config_max_age=300, config_stale_grace=3600)
    app.getElement("SMS.A")
    clock.now = 301
    outage(emulator, "kms")
    before = requests_to(emulator, "kms")
    with pytest.raises(ConfigUnavailableError):
        app.secrets.get("sms/pair", force=True)  # what one read costs while KMS fails (with its retries)
    one_read = requests_to(emulator, "kms") - before
    assert app.getElement("SMS.B").config.accessSecret == "S1"
    assert requests_to(emulator, "kms") - before == 2 * one_read  # the probe's read and B's own: no third
