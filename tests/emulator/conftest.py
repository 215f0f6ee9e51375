"""Fixtures for the emulator's own tests: SDK clients (Dysmsapi, KMS, OSS) and self-signed raw POP calls."""

from __future__ import annotations

import pytest
from emulator_push_support import PushReceiver
from emulator_wire import WireCall


@pytest.fixture
def wire(emulator):
    """Build a :class:`WireCall` against the emulator with the default keys."""

    def build(**overrides: object) -> WireCall:
        options = {"host": emulator.netloc, "key_id": emulator.access_key_id,
                   "secret": emulator.access_key_secret, **overrides}
        return WireCall(**options)  # type: ignore[arg-type]

    return build


@pytest.fixture
def sms(emulator):
    """The real Dysmsapi SDK client (ACS3-HMAC-SHA256) pointed at the emulator."""
    return emulator.sms_client()


@pytest.fixture(params=["acs3", "v2"])
def any_sms(request, emulator):
    """The SDK client signing with ACS3, then with legacy RPC v2."""
    return emulator.sms_client(signature_algorithm=None if request.param == "acs3" else "v2")


@pytest.fixture
def kms(emulator):
    """The real KMS SDK client (ACS3-HMAC-SHA256) pointed at the emulator."""
    return emulator.kms_client()


@pytest.fixture(params=["acs3", "v2"])
def any_kms(request, emulator):
    """The KMS SDK client signing with ACS3, then with legacy RPC v2."""
    return emulator.kms_client(signature_algorithm=None if request.param == "acs3" else "v2")


@pytest.fixture(params=["v4", "v1"])
def any_oss(request, emulator):
    """The alibabacloud-oss-v2 client signing with V4, then with V1 (one attempt per call)."""
    return emulator.oss_client(signature_version=request.param, retry_max_attempts=1)


@pytest.fixture
def receiver():
    """An HTTP receiver on 127.0.0.1 for the emulator's receipt and reply pushes."""
    push_receiver = PushReceiver()
    yield push_receiver
    push_receiver.close()
