"""QuerySendDetails through the real SDK against the emulator: a message found by its OutId on any page."""

from datetime import datetime

import pytest
from functional_support import SIGN

from shared.aliyun.credentials import Credentials
from shared.aliyun.dysms import SmsGateway
from shared.reconcile.listing import BEIJING, find_listing, send_dates
from shared.settings import Endpoint, Settings

PHONE = "13800138000"
TEMPLATE = "SMS_100000002"


@pytest.fixture
def gateway(emulator):
    emulator.seed({"sms": {"flowControl": {"enabled": False}}})
    settings = Settings(dysms_endpoint=Endpoint.parse(emulator.endpoint, "test"), send_max_attempts=1)
    return SmsGateway(Credentials(emulator.access_key_id, emulator.access_key_secret), settings)


def send(emulator, out_id):
    from alibabacloud_dysmsapi20170525.models import SendSmsRequest

    body = emulator.sms_client().send_sms(SendSmsRequest(
        phone_numbers=PHONE, sign_name=SIGN, template_code=TEMPLATE,
        template_param='{"name":"a","order":"1"}', out_id=out_id)).body
    assert body.code == "OK", body.message


def test_a_message_is_found_by_its_out_id_past_the_first_page(gateway, emulator):
    for n in range(60):
        send(emulator, f"m{n:02d}")
    now = emulator.clock.now()
    pages = emulator.stats()["sms"].get("QuerySendDetails", 0)
    found = find_listing(gateway, PHONE, "m00", sent_at=now, now=now)  # the oldest: listed last
    assert found is not None and found.status in ("submitted", "delivered")
    assert emulator.stats()["sms"]["QuerySendDetails"] - pages == 2
    assert find_listing(gateway, PHONE, "never-sent", sent_at=now, now=now) is None


def test_a_message_aliyun_has_not_listed_yet_is_not_found(gateway, emulator):
    emulator.seed({"sms": {"listDelaySeconds": 120}})
    send(emulator, "late")
    now = emulator.clock.now()
    assert find_listing(gateway, PHONE, "late", sent_at=now, now=now) is None
    emulator.clock.advance(121)
    assert find_listing(gateway, PHONE, "late", sent_at=now, now=emulator.clock.now()) is not None


def beijing(text):
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=BEIJING).timestamp()


@pytest.mark.parametrize(("sent", "now", "dates"), [
    ("2026-12-05 12:00:00", "2026-12-05 12:10:00", ["20261205"]),
    ("2026-12-05 23:58:00", "2026-12-06 00:30:00", ["20261205", "20261206"]),
    ("2026-12-06 00:01:00", "2026-12-06 00:30:00", ["20261205", "20261206"]),
    ("2026-12-05 23:58:00", "2026-12-05 23:59:00", ["20261205"]),  # never a date still to come
])
def test_both_beijing_dates_are_asked_near_midnight(sent, now, dates):
    assert send_dates(beijing(sent), beijing(now)) == dates
