"""Fixtures of the conformance suite: official clients this project did not write, driven against the
emulator (the ``emulator`` fixture) in their own processes.

Python: the legacy ``aliyun-python-sdk-core`` with ``-dysmsapi`` and ``-kms``, and ``oss2`` (V1 and V4),
pinned in requirements-python.txt and installed by ``make test`` (``make python-clients``) into
``.conformance/python``. Without them their tests skip, or fail with ``CI=true``, and the run says so
(tests/prerequisites.py).
"""

from __future__ import annotations

from typing import Any

import pytest
from prerequisites import PYTHON_CLIENTS, python_clients_folder, require
from python_support import PythonClients, Result


@pytest.fixture(scope="session")
def python_clients(request) -> PythonClients:
    """The pinned Python clients, or a skip (locally) / a failure (CI) when they are not installed."""
    require(request.config, PYTHON_CLIENTS)
    return PythonClients(python_clients_folder())


@pytest.fixture
def pop_legacy(emulator, python_clients):
    """``call(*calls, key_id=…, secret=…)``: Dysmsapi / KMS calls through aliyun-python-sdk-core (RPC,
    HMAC-SHA1), with the emulator's default keys unless told otherwise; one result per call."""

    def call(*calls: dict[str, Any], key_id: str | None = None, secret: str | None = None) -> list[Result]:
        client = {"netloc": emulator.netloc, "key_id": key_id or emulator.access_key_id,
                  "secret": secret or emulator.access_key_secret}
        return python_clients.run("pop", client, list(calls))

    return call


@pytest.fixture(params=["v1", "v4"])
def oss2_client(request, emulator, python_clients):
    """``call(*calls, bucket=…, key_id=…, secret=…)``: OSS calls through oss2, signing with V1, then V4."""

    def call(*calls: dict[str, Any], bucket: str = "sms-fc-elements", key_id: str | None = None,
             secret: str | None = None) -> list[Result]:
        client = {"netloc": emulator.netloc, "version": request.param, "bucket": bucket,
                  "key_id": key_id or emulator.access_key_id, "secret": secret or emulator.access_key_secret}
        return python_clients.run("oss2", client, list(calls))

    return call
