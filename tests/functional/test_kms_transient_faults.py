"""KMS's transient answers (Rejected.Throttling 429, ServiceUnavailableTemporary 503, InternalFailure 500),
produced by the emulator's chaos, are retried by ``shared`` with backoff; a KMS that keeps failing is a
ConfigUnavailableError naming the code after SMS_SEND_MAX_ATTEMPTS tries."""

from __future__ import annotations

import pytest

from shared import ConfigUnavailableError

ATTEMPTS = 3
FAULTS = [(429, "Rejected.Throttling"), (503, "ServiceUnavailableTemporary"), (500, "InternalFailure")]


@pytest.fixture
def app(make_app):
    return make_app(send_max_attempts=ATTEMPTS)  # KMS on the emulator, no backoff delays


def kms_fault(status, count=None):
    return {"service": "kms", "action": "GetSecretValue", "count": count, "fault": {"type": "http", "status": status}}


@pytest.mark.parametrize(("status", "code"), FAULTS)
def test_a_transient_kms_failure_is_retried_until_it_passes(app, emulator, status, code):
    emulator.set_chaos([kms_fault(status, count=ATTEMPTS - 1)])
    assert app.secrets.get("sms/default-secret") == "TestSecret0000000000000000000001"
    assert emulator.stats()["kms"]["GetSecretValue"] == ATTEMPTS


@pytest.mark.parametrize(("status", "code"), FAULTS)
def test_a_kms_that_keeps_failing_is_unavailable_with_its_code(app, emulator, status, code):
    emulator.set_chaos([kms_fault(status)])
    with pytest.raises(ConfigUnavailableError) as info:
        app.secrets.get("sms/default-secret")
    assert info.value.provider_code == code
    assert emulator.stats()["kms"]["GetSecretValue"] == ATTEMPTS
