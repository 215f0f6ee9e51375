"""The registry of emulated POP services: adding a service is one line here.

OSS is not a POP service (its own REST protocol); :mod:`emulator.oss` plugs into routing directly.
"""

from __future__ import annotations

from emulator.core.service import ServiceSpec
from emulator.kms.models import KmsBackend
from emulator.kms.responses import KmsApi
from emulator.sms.models import SmsBackend
from emulator.sms.responses import SmsApi

SERVICES: tuple[ServiceSpec, ...] = (
    ServiceSpec("sms", "2017-05-25", "dysmsapi.aliyuncs.com", SmsBackend, SmsApi),
    ServiceSpec("kms", "2016-01-20", "kms.cn-hangzhou.aliyuncs.com", KmsBackend, KmsApi, error_fault_status=400),
)
