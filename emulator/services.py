"""The registry of emulated POP services: adding a service is one line here."""

from __future__ import annotations

from emulator.core.service import ServiceSpec
from emulator.sms.models import SmsBackend
from emulator.sms.responses import SmsApi

SERVICES: tuple[ServiceSpec, ...] = (
    ServiceSpec("sms", "2017-05-25", "dysmsapi.aliyuncs.com", SmsBackend, SmsApi),
)
