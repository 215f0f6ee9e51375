"""KMS's own transient errors through chaos: Rejected.Throttling (429), ServiceUnavailableTemporary (503),
InternalFailure (500), as Aliyun's KMS answers them, through the real KMS SDK."""

from __future__ import annotations

import pytest
from alibabacloud_kms20160120 import models
from alibabacloud_tea_openapi import exceptions
from darabonba.runtime import RuntimeOptions

KMS_FAULTS = [(429, "Rejected.Throttling", "QPS Limit Exceeded"),
              (503, "ServiceUnavailableTemporary", "Service unavailable temporary."),
              (500, "InternalFailure", "Internal Failure")]


def kms_error(kms) -> exceptions.AlibabaCloudException:
    with pytest.raises(exceptions.AlibabaCloudException) as info:
        kms.get_secret_value_with_options(models.GetSecretValueRequest(secret_name="sms/default"), RuntimeOptions())
    return info.value


@pytest.mark.parametrize(("status", "code", "message"), KMS_FAULTS)
def test_an_http_fault_answers_kms_own_code_for_its_status(emulator, kms, status, code, message):
    emulator.set_chaos([{"service": "kms", "fault": {"type": "http", "status": status}}])
    error = kms_error(kms)
    assert (error.status_code, error.code) == (status, code)
    assert message in error.message


@pytest.mark.parametrize(("status", "code", "message"), KMS_FAULTS)
def test_an_error_fault_naming_a_kms_code_keeps_its_status_and_message(emulator, kms, status, code, message):
    emulator.set_chaos([{"service": "kms", "action": "GetSecretValue", "fault": {"type": "error", "code": code}}])
    error = kms_error(kms)
    assert (error.status_code, error.code) == (status, code)
    assert message in error.message


def test_other_services_keep_the_gateway_codes(emulator, sms):
    from alibabacloud_dysmsapi20170525 import models as sms_models

    emulator.set_chaos([{"service": "sms", "fault": {"type": "http", "status": 503}}])
    with pytest.raises(exceptions.AlibabaCloudException) as info:
        sms.query_sms_sign(sms_models.QuerySmsSignRequest(sign_name="阿里云短信测试"))
    assert (info.value.status_code, info.value.code) == (503, "ServiceUnavailable")
