"""The verification function end to end: FC HTTP events → policy element → store and emulator."""

import io
import json
import time
import uuid

import pytest
from race_support import race
from verify_support import OTHER_PHONE, PHONE, TOKEN_KEY, Clocks, Verification, secrets_json, write_elements

from shared import log
from shared.elements import runtime
from shared.verify.tokens import InvalidTokenError, check_token

STORES = [pytest.param("sqlite", id="sqlite"), pytest.param("redis", id="redis", marks=pytest.mark.redis)]


@pytest.fixture(params=STORES)
def store_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    return request.getfixturevalue("redis_url")


@pytest.fixture
def configure(emulator, tmp_path, monkeypatch, store_url):
    """``configure(**policy)``: the verification function on a fresh instance with that policy."""
    emulator.kms_put_secret("verify/keys", secrets_json())
    prefix = f"t{uuid.uuid4().hex[:8]}:"

    def build(**policy):
        root = tmp_path / f"elements-{uuid.uuid4().hex[:6]}"
        write_elements(root, emulator.access_key_id, **policy)
        for name, value in {"SMS_ELEMENTS_SOURCE": str(root), "SMS_DYSMS_ENDPOINT": emulator.endpoint,
                            "SMS_KMS_ENDPOINT": emulator.endpoint, "SMS_SEND_MAX_ATTEMPTS": "1",
                            "SMS_CORS_ORIGINS": "https://app.example.com", "SMS_DATA_KEY_ID": "alias/sms-fc-store",
                            "SMS_HMAC_KEY_SECRET": "sms-fc/hmac-key"}.items():  # the send log's keys
            monkeypatch.setenv(name, value)
        runtime.reset()
        return Verification(emulator, store_url, Clocks(emulator), prefix)

    yield build
    runtime.reset()


@pytest.fixture
def service(configure):
    return configure()


def test_a_code_texted_by_sms_verifies_once_and_yields_a_token(configure):
    service = configure(revealReasons=True)
    answer = service.issue()
    assert (answer["statusCode"], answer["json"]) == (200, {"expiresIn": 300, "resendAfter": 60})
    message = service.emulator.messages(phone=PHONE)[0]
    code = message["params"]["code"]
    assert len(code) == 6 and code.isdigit() and code in message["content"]
    verified = service.verify(code)["json"]
    assert verified["verified"] is True and verified["expiresIn"] == 300
    claims = check_token(verified["token"], TOKEN_KEY, purpose="login", issuer="Verify.Default",
                         now=service.clocks.store())
    assert claims["sub"] == f"+86{PHONE}"
    assert service.verify(code)["json"] == {"verified": False, "reason": "not_found"}


def test_the_token_is_bound_to_its_purpose_and_key(service):
    service.issue(purpose="reset")
    token = service.verify(service.last_code(), purpose="reset")["json"]["token"]
    with pytest.raises(InvalidTokenError, match="purpose"):
        check_token(token, TOKEN_KEY, purpose="login", now=service.clocks.store())
    with pytest.raises(InvalidTokenError, match="signature"):
        check_token(token, "another-key-0000000000000000000000000000", now=service.clocks.store())
    with pytest.raises(InvalidTokenError, match="expired"):
        check_token(token, TOKEN_KEY, now=service.clocks.store() + 301 + 5)


def test_a_code_is_bound_to_its_number_and_purpose(configure):
    service = configure(revealReasons=True)
    service.issue()
    code = service.last_code()
    assert service.verify(code, purpose="register")["json"]["reason"] == "not_found"
    assert service.verify(code, phone=OTHER_PHONE)["json"]["reason"] == "not_found"
    assert service.verify(code)["json"]["verified"] is True


def test_the_answer_is_the_same_for_any_number(service):
    first, second = service.issue(PHONE), service.issue(OTHER_PHONE, ip="203.0.113.9")
    assert first["json"] == second["json"] and first["statusCode"] == second["statusCode"] == 200


def test_a_resend_inside_the_cooldown_is_a_429_with_retry_after(service):
    service.issue()
    service.clocks.advance(20)
    refused = service.issue()
    assert refused["statusCode"] == 429
    assert refused["headers"]["Retry-After"] == "40"
    assert refused["json"]["error"]["limit"] == "cooldown"
    assert len(service.emulator.messages(phone=PHONE)) == 1
    service.clocks.advance(40)
    assert service.issue()["statusCode"] == 200


def test_a_new_code_replaces_the_previous_one(configure):
    service = configure(revealReasons=True)
    service.issue()
    old = new = service.last_code()
    for _ in range(3):  # a resend draws the same 6 digits one time in a million: draw again then
        service.clocks.advance(60)
        service.issue()
        new = service.last_code()
        if new != old:
            break
    assert new != old
    assert service.verify(old)["json"]["reason"] == "invalid"
    assert service.verify(new)["json"]["verified"] is True


def test_keep_previous_codes_keeps_older_ones_until_they_expire(configure):
    service = configure(keepPreviousCodes=True)
    service.issue()
    old = service.last_code()
    service.clocks.advance(60)
    service.issue()
    assert service.verify(old)["json"]["verified"] is True


def test_brute_force_stops_at_the_attempt_limit(configure):
    service = configure(revealReasons=True)
    service.issue()
    code = service.last_code()
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    answers = [service.verify(wrong)["json"] for _ in range(5)]
    assert [a["attemptsLeft"] for a in answers] == [4, 3, 2, 1, 0]
    assert {a["reason"] for a in answers} == {"invalid"}
    assert service.verify(code)["json"] == {"verified": False, "reason": "too_many_attempts"}


def test_a_code_expires_with_the_clock(configure):
    service = configure(revealReasons=True)
    service.issue()
    code = service.last_code()
    service.clocks.advance(300)
    assert service.verify(code)["json"] == {"verified": False, "reason": "expired"}


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def pending(service):
    """A live code, and a wrong guess at it."""
    service.issue()
    return wrong(service.last_code())


def expired(service):
    service.issue()
    service.clocks.advance(300)
    return service.last_code()


def used(service):
    service.issue()
    assert service.verify(service.last_code())["json"]["verified"] is True
    return service.last_code()


def dead(service):
    """Killed by someone else's wrong guesses: even the right code fails."""
    service.issue()
    for _ in range(5):
        service.verify(wrong(service.last_code()), ip="203.0.113.66")
    return service.last_code()


def forgotten(service):
    service.issue()
    service.clocks.advance(300 + 86400)
    return service.last_code()


def unknown(service):
    """Never issued."""
    return "123456"


CODE_STATES = [pytest.param(state, id=state.__name__) for state in (pending, expired, used, dead, forgotten, unknown)]
NEVER_SEEN = "13700137000"


@pytest.mark.parametrize("state", CODE_STATES)
def test_a_failed_check_answers_the_same_whatever_the_number_s_state(service, state):
    probe = state(service)
    answer = service.verify(probe)
    assert (answer["statusCode"], answer["json"]) == (200, {"verified": False, "reason": "invalid"})
    baseline = service.verify("123456", phone=NEVER_SEEN)
    assert (answer["statusCode"], answer["headers"], answer["body"]) == (
        baseline["statusCode"], baseline["headers"], baseline["body"])


@pytest.mark.parametrize("store_url", [pytest.param("redis", marks=pytest.mark.redis)], indirect=True)
@pytest.mark.parametrize("state", CODE_STATES)
def test_every_failed_check_is_one_redis_round_trip(service, state, monkeypatch):
    probe = state(service)
    service.verify("123456", phone=NEVER_SEEN)  # the check script is loaded: no NOSCRIPT round trip below
    client, commands = service.store._client, []
    execute = client.execute_command

    def counted(*args, **kwargs):
        commands.append(args[0])
        return execute(*args, **kwargs)

    monkeypatch.setattr(client, "execute_command", counted)
    assert service.verify(probe)["json"]["verified"] is False
    assert commands == ["EVALSHA"]


def test_a_code_killed_by_someone_else_s_guesses_skips_the_cooldown_for_its_owner(configure):
    service = configure(resendCooldown=300)
    killed = dead(service)
    refused = service.issue()  # at once: our cooldown is waived, Aliyun's 1/min per number is not
    error = refused["json"]["error"]
    assert (refused["statusCode"], error["limit"], error["providerCode"]) == (429, "provider",
                                                                              "isv.BUSINESS_LIMIT_CONTROL")
    assert refused["headers"]["Retry-After"] == "60"
    service.clocks.advance(60)
    assert service.issue()["statusCode"] == 200  # well inside the 300 s cooldown
    fresh = service.last_code()
    assert [m["params"]["code"] for m in service.emulator.messages(phone=PHONE)] == [fresh, killed]
    assert service.verify(fresh)["json"]["verified"] is True


def test_aliyun_flow_control_without_a_killed_code_waits_out_our_cooldown(configure):
    service = configure(resendCooldown=300)
    service.emulator.set_chaos([{"service": "sms", "action": "SendSms", "count": 1,
                                 "fault": {"type": "error", "code": "isv.BUSINESS_LIMIT_CONTROL"}}])
    refused = service.issue()
    assert (refused["statusCode"], refused["headers"]["Retry-After"]) == (429, "300")
    service.clocks.advance(60)
    assert service.issue()["json"]["error"]["limit"] == "cooldown"  # the number's entry stayed


def test_per_number_limits(configure):
    service = configure(resendCooldown=0, perPhone=[{"max": 3, "seconds": 3600}])
    for _ in range(3):
        assert service.issue()["statusCode"] == 200
        service.clocks.advance(61)  # past the emulator's own 1/min flow control
    refused = service.issue()
    assert (refused["statusCode"], refused["json"]["error"]["limit"]) == (429, "phone")
    assert int(refused["headers"]["Retry-After"]) == 3600 - 3 * 61


def test_per_ip_limits_hold_across_numbers(configure):
    service = configure(perIp=[{"max": 2, "seconds": 3600}])
    assert service.issue("13800138001")["statusCode"] == 200
    assert service.issue("13800138002")["statusCode"] == 200
    refused = service.issue("13800138003")
    assert (refused["statusCode"], refused["json"]["error"]["limit"]) == (429, "ip")
    assert service.issue("13800138003", ip="192.0.2.1")["statusCode"] == 200
    assert service.emulator.messages(phone="13800138003") and len(service.emulator.messages()) == 3


def test_the_daily_budget_caps_spend_until_the_next_day(configure):
    service = configure(dailyBudget=2)
    assert service.issue("13800138001")["statusCode"] == 200
    assert service.issue("13800138002", ip="192.0.2.2")["statusCode"] == 200
    refused = service.issue("13800138003", ip="192.0.2.3")
    assert (refused["statusCode"], refused["json"]["error"]["limit"]) == (429, "budget")
    service.clocks.advance(int(refused["headers"]["Retry-After"]))
    assert service.issue("13800138003", ip="192.0.2.3")["statusCode"] == 200


def test_limits_hold_across_two_instances_sharing_the_store(configure):
    first = configure()
    first.issue()
    code = first.last_code()
    second = configure()  # a fresh runtime: another FC instance on the same store
    assert second.app is not first.app
    assert second.issue()["statusCode"] == 429
    assert second.verify(code)["json"]["verified"] is True


def test_a_failed_send_leaves_no_code_and_no_cooldown(configure):
    service = configure(revealReasons=True)
    service.emulator.set_chaos([{"service": "sms", "action": "SendSms", "count": 1,
                                 "fault": {"type": "error", "code": "isv.AMOUNT_NOT_ENOUGH"}}])
    failed = service.issue()
    assert (failed["statusCode"], failed["json"]["error"]["code"]) == (502, 46002)
    assert service.verify("000000")["json"]["reason"] == "not_found"
    assert service.issue()["statusCode"] == 200  # the cooldown was not spent


def test_a_send_that_may_have_gone_out_leaves_no_code_but_keeps_the_cooldown(configure):
    service = configure(revealReasons=True)
    service.emulator.set_chaos([{"service": "sms", "action": "SendSms", "count": 1, "fault": {"type": "drop"}}])
    failed = service.issue()
    assert (failed["statusCode"], failed["json"]["error"]["possiblyDelivered"]) == (503, True)
    assert service.verify("000000")["json"]["reason"] == "not_found"
    assert service.issue()["json"]["error"]["limit"] == "cooldown"


def test_a_resend_after_a_lost_answer_says_possibly_delivered_until_the_log_knows(configure, monkeypatch):
    """Inside the cooldown a resend asks the send log: unknown is said, ``not_sent`` lifts the cooldown."""
    monkeypatch.setenv("SMS_RECONCILE_GRACE_SECONDS", "60")
    service = configure(resendCooldown=300)
    service.emulator.set_chaos([{"service": "sms", "action": "SendSms", "count": 1, "fault": {"type": "drop"}}])
    assert service.issue()["json"]["error"]["possiblyDelivered"] is True
    unknown = service.issue()
    assert unknown["statusCode"] == 429 and unknown["json"]["error"]["possiblyDelivered"] is True
    service.clocks.advance(61)  # past the grace period, Aliyun never listed it: it was never sent
    again = service.issue()
    assert again["statusCode"] == 200 and len(service.emulator.messages()) == 1
    assert service.verify(service.last_code())["json"]["verified"] is True
    cooldown = service.issue()["json"]["error"]  # that code went out: the cooldown holds as usual
    assert cooldown["limit"] == "cooldown" and "possiblyDelivered" not in cooldown


def lost_then_proven_never_sent(configure, monkeypatch):
    """A service whose code A's answer was lost, and past the grace period proves never sent."""
    monkeypatch.setenv("SMS_RECONCILE_GRACE_SECONDS", "60")
    service = configure(resendCooldown=300)
    service.emulator.set_chaos([{"service": "sms", "action": "SendSms", "count": 1, "fault": {"type": "drop"}}])
    assert service.issue()["json"]["error"]["possiblyDelivered"] is True
    service.clocks.advance(61)
    return service


def test_an_older_code_never_sent_does_not_lift_the_cooldown_of_a_code_whose_record_is_missing(configure,
                                                                                                 monkeypatch):
    """Only the send of the code that set the cooldown may lift it: B went out but its send-log
    record could not be written (logged and swallowed); A's "never sent" speaks for A only."""
    from shared.errors import StoreUnavailableError
    from shared.store.message_log import SUBMITTED

    service = lost_then_proven_never_sent(configure, monkeypatch)
    log_send = service.store.log_send

    def failing_for_a_sent_code(record, *, ttl):
        if any(number.status == SUBMITTED for number in record.numbers):
            raise StoreUnavailableError("store failed: ConnectionError")
        return log_send(record, ttl=ttl)

    monkeypatch.setattr(service.store, "log_send", failing_for_a_sent_code)
    assert service.issue()["statusCode"] == 200  # B: A's "never sent" lifts A's cooldown
    monkeypatch.setattr(service.store, "log_send", log_send)
    service.clocks.advance(61)  # Aliyun's own minute is over; B's 300 s cooldown is not
    again = service.issue()
    assert again["statusCode"] == 429 and again["json"]["error"]["limit"] == "cooldown"
    assert len(service.emulator.messages()) == 1


def test_a_resend_while_the_code_that_lifted_the_cooldown_is_sending_waits_out_its_cooldown(configure, monkeypatch):
    """B (which A's "never sent" let through) has no record while it is being sent: C must wait."""
    import threading

    service = lost_then_proven_never_sent(configure, monkeypatch)
    service.emulator.set_chaos([{"service": "sms", "action": "SendSms", "count": 1,
                                 "fault": {"type": "latency", "ms": 1500}}])
    answers = {}
    sending = threading.Thread(target=lambda: answers.setdefault("B", service.issue()))
    sending.start()
    for _ in range(500):  # bounded: B's SendSms has reached Aliyun and waits there
        if service.emulator.stats()["sms"]["SendSms"] == 2:
            break
        time.sleep(0.01)
    answers["C"] = service.issue()
    sending.join(timeout=10)
    assert answers["C"]["statusCode"] == 429 and answers["C"]["json"]["error"]["limit"] == "cooldown"
    assert answers["B"]["statusCode"] == 200
    assert service.emulator.stats()["sms"]["SendSms"] == 2  # C never reached Aliyun


def test_a_resend_after_a_lost_answer_aliyun_did_get_waits_out_the_cooldown(configure, monkeypatch):
    monkeypatch.setenv("SMS_READ_TIMEOUT_MS", "300")
    service = configure()
    service.emulator.set_chaos([{"service": "sms", "action": "SendSms", "count": 1,
                                 "fault": {"type": "latency", "ms": 800}}])
    assert service.issue()["json"]["error"]["possiblyDelivered"] is True
    for _ in range(500):  # the emulator sends after our client gave up
        if service.emulator.messages():
            break
        time.sleep(0.01)
    again = service.issue()  # the resend asks QuerySendDetails: Aliyun has it
    assert again["statusCode"] == 429 and again["json"]["error"]["limit"] == "cooldown"
    assert "possiblyDelivered" not in again["json"]["error"]
    assert len(service.emulator.messages()) == 1


def test_aliyun_flow_control_is_a_429_and_leaves_no_code(configure):
    service = configure(revealReasons=True)
    service.emulator.set_chaos([{"service": "sms", "action": "SendSms", "count": 1,
                                 "fault": {"type": "error", "code": "isv.BUSINESS_LIMIT_CONTROL"}}])
    refused = service.issue()
    error = refused["json"]["error"]
    assert (refused["statusCode"], error["code"], error["providerCode"]) == (429, 46002, "isv.BUSINESS_LIMIT_CONTROL")
    assert int(refused["headers"]["Retry-After"]) >= 60
    assert service.verify("000000")["json"]["reason"] == "not_found"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"phone": "12345", "purpose": "login"}, "phone"),
        ({"phone": "+14155550100", "purpose": "login"}, "country code +86"),
        ({"phone": PHONE, "purpose": "bribe"}, "purpose must be one of login, register, reset"),
        ({"phone": PHONE}, "body.purpose"),
        ({"phone": PHONE, "purpose": "login", "extra": 1}, "body.extra"),
        ({"phone": "13７00070001", "purpose": "login"}, "phone: not a mainland mobile number"),
        ({"phone": "137٠0070001", "purpose": "login"}, "phone: not a mainland mobile number"),
        ({"phone": -13800138000, "purpose": "login"}, "phone: not a mainland mobile number"),
    ],
)
def test_bad_requests_are_400s_naming_the_field(service, body, field):
    answer = service.post("/codes", body)
    assert (answer["statusCode"], answer["json"]["error"]["code"]) == (400, 46001)
    assert field in answer["json"]["error"]["message"]
    assert service.emulator.messages() == []


@pytest.mark.parametrize("typed", ["１２３４５６", "12٣456", "12345６", "12.456", "- -"])
def test_a_code_of_other_than_ascii_letters_and_digits_is_a_400_that_costs_no_attempt(service, typed):
    """A fullwidth "１２３４５６" (an IME in fullwidth mode) is never the code texted: each one
    cost an attempt and answered like a wrong guess."""
    service.issue()
    for _ in range(6):
        answer = service.verify(typed)
        assert answer["statusCode"] == 400
        assert answer["json"]["error"]["message"].startswith("code must be the letters and digits")
    assert service.verify(service.last_code())["json"]["verified"] is True


def test_a_code_that_is_not_a_string_is_a_400(service):
    answer = service.post("/codes/verify", {"phone": PHONE, "purpose": "login", "code": 123456})
    assert (answer["statusCode"], "body.code" in answer["json"]["error"]["message"]) == (400, True)


def test_cors_for_allowed_origins_only(service):
    preflight = service.post("/codes", None, method="OPTIONS", headers={"origin": "https://app.example.com"})
    assert preflight["statusCode"] == 204
    assert preflight["headers"]["Access-Control-Allow-Origin"] == "https://app.example.com"
    refused = service.issue(headers={"origin": "https://app.example.com"})
    service.clocks.advance(1)
    limited = service.issue(headers={"origin": "https://app.example.com"})
    assert refused["statusCode"] == 200 and limited["statusCode"] == 429
    assert limited["headers"]["Access-Control-Allow-Origin"] == "https://app.example.com"  # errors too
    other = service.issue(OTHER_PHONE, headers={"origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other["headers"]


def test_racing_verifies_of_one_code_get_one_success(service):
    service.issue()
    code = service.last_code()
    outcomes = race(lambda _: service.policy.checkCode(PHONE, "login", code)["verified"], 12)
    assert outcomes.count(True) == 1


def test_racing_issues_to_one_number_send_one_sms(service):
    def issue(_):
        try:
            return service.policy.sendCode(PHONE, "login", clientIp="198.51.100.7")
        except Exception as error:  # noqa: BLE001 - collected for the assertion
            return error

    results = race(issue, 8)
    assert sum(isinstance(r, dict) for r in results) == 1
    assert len(service.emulator.messages(phone=PHONE)) == 1


def test_no_code_or_full_number_in_logs_answers_or_the_store(service, store_url):
    captured = io.StringIO()
    log.set_stream(captured)
    try:
        answers = [service.issue()]
        code = service.last_code()
        answers += [service.verify("999999" if code != "999999" else "000000"), service.verify(code)]
        service.clocks.advance(60)
        answers += [service.issue(), service.issue()]
    finally:
        log.set_stream(None)
    text = captured.getvalue() + json.dumps([a["json"] for a in answers])
    assert "verify.issue" in text and "138****8000" in text
    stored = dump_store(service.store, store_url)
    for secret in (code, service.last_code()):
        assert secret not in text and secret not in stored
    assert PHONE not in text and PHONE not in stored and len(stored) > 100


def dump_store(store, url):
    """Every byte the store holds, as text."""
    if url.startswith("sqlite"):
        path = url.split(":///", 1)[1]
        store.close()
        with open(path, "rb") as db:
            data = db.read()
        wal = path + "-wal"
        try:
            with open(wal, "rb") as extra:
                data += extra.read()
        except FileNotFoundError:
            pass
        return data.decode("latin-1")
    import redis

    client = redis.Redis.from_url(url)
    parts = []
    for key in client.scan_iter("*"):
        parts.append(key.decode())
        kind = client.type(key).decode()
        value = {"hash": client.hgetall, "zset": lambda k: client.zrange(k, 0, -1, withscores=True),
                 "string": client.get}[kind](key)
        parts.append(repr(value))
    client.close()
    return "\n".join(parts)


def test_the_config_check_checks_the_policy_template(configure):
    from shared.checks.config_check import run_check

    good = run_check(configure().app)
    assert [f for f in good.findings if f.element == "Verify.Default"] == []
    wrong = run_check(configure(templateCode="SMS_100000002").app)
    problems = [f.problem for f in wrong.findings if (f.element, f.check) == ("Verify.Default", "template-variables")]
    assert problems and "['name', 'order']" in problems[0] and "['code']" in problems[0]


@pytest.mark.parametrize("policy", [{"codeLength": 8}, {"alphabet": "alphanumeric"}])
def test_the_config_check_says_when_the_template_refuses_the_policy_s_codes(configure, policy):
    """The seeded verification template checks its code as numberCaptcha (4 to 6 digits), as Aliyun does."""
    from shared.checks.config_check import run_check

    report = run_check(configure(**policy).app)
    [problem] = [f.problem for f in report.findings if (f.element, f.check) == ("Verify.Default", "template-variables")]
    assert "numberCaptcha" in problem and "isv.TEMPLATE_PARAMS_ILLEGAL" in problem
    issued = configure(**policy).issue()  # and sending says the same: Aliyun's refusal, the request's fault
    assert issued["statusCode"] == 422 and issued["json"]["error"]["providerCode"] == "isv.TEMPLATE_PARAMS_ILLEGAL"


def test_the_sample_events_issue_and_check_a_code(service):
    from fc_support import fc_context, invoke, load_event

    issued = invoke(service.handler, load_event("http_verify_issue.json"), fc_context(function="verification"))
    assert issued["statusCode"] == 200
    assert issued["headers"]["Access-Control-Allow-Origin"] == "https://app.example.com"
    event = load_event("http_verify_check.json")
    body = json.loads(event["body"])
    wrong = body["code"] != service.last_code(body["phone"])
    checked = invoke(service.handler, event, fc_context(function="verification"))
    assert checked["json"]["verified"] is not wrong


def test_a_store_failure_while_taking_a_code_back_keeps_the_send_error(service, monkeypatch):
    from shared.errors import StoreUnavailableError

    def unavailable(*args, **kwargs):
        raise StoreUnavailableError("Redis store failed: ConnectionError")

    monkeypatch.setattr(service.store, "cancel_code", unavailable)
    service.emulator.set_chaos([{"service": "sms", "action": "SendSms", "count": 1,
                                 "fault": {"type": "error", "code": "isv.AMOUNT_NOT_ENOUGH"}}])
    failed = service.issue()
    assert (failed["statusCode"], failed["json"]["error"]["providerCode"]) == (502, "isv.AMOUNT_NOT_ENOUGH")


def test_checks_from_one_client_are_limited_across_numbers(configure):
    service = configure(perIpChecks=[{"max": 3, "seconds": 600}], revealReasons=True)
    service.issue()
    code = service.last_code()
    for phone in ("13700137001", "13700137002", "13700137003"):  # spraying guesses at other numbers
        assert service.verify("000000", phone=phone)["json"]["reason"] == "not_found"
    refused = service.verify(code)
    assert (refused["statusCode"], refused["json"]["error"]["limit"]) == (429, "ip_checks")
    assert int(refused["headers"]["Retry-After"]) == 600
    assert service.verify(code, ip="192.0.2.50")["json"]["verified"] is True  # the code lost no attempt


def test_behind_a_proxy_the_limits_count_the_address_it_forwards(configure, monkeypatch):
    monkeypatch.setenv("SMS_CLIENT_IP_HEADER", "X-Forwarded-For")
    service = configure(perIp=[{"max": 1, "seconds": 3600}])
    proxy = "100.64.0.1"  # every request reaches FC from the proxy
    first = service.issue("13800138001", ip=proxy, headers={"x-forwarded-for": "203.0.113.1"})
    second = service.issue("13800138002", ip=proxy, headers={"x-forwarded-for": "203.0.113.2"})
    assert (first["statusCode"], second["statusCode"]) == (200, 200)  # two clients, not one proxy
    forged = service.issue("13800138003", ip=proxy, headers={"x-forwarded-for": "198.51.100.99, 203.0.113.1"})
    assert (forged["statusCode"], forged["json"]["error"]["limit"]) == (429, "ip")  # the left entry is ignored
