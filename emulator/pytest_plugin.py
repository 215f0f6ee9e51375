"""The ``emulator`` pytest fixture: one in-process server per session, reset before every test.

Enable with ``pytest_plugins = ["emulator.pytest_plugin"]`` in a conftest. The fixture yields an
:class:`EmulatorHandle`::

    def test_sends(emulator):
        client = emulator.sms_client()            # or build your own from .netloc / keys
        ...
        assert emulator.messages(phone="13800138000")[0]["status"] == 1
        emulator.clock.advance(3)

    def test_pushes_receipts(emulator, receiver):       # receiver: your HTTP server on 127.0.0.1
        emulator.set_push(reportUrl=receiver.url)
        ...                                         # send
        emulator.clock.advance(3)                   # past the delivery delay
        [push] = emulator.drain_pushes()            # the pusher thread has POSTed the receipts

    def test_reads_config(emulator):
        emulator.oss_put("sms-fc-elements", "elements/SMS/X/e.json", {"title": "x"})   # JSON → indented text
        emulator.kms_put_secret("sms/x", "s3cret")          # a new ACSCurrent version
        assert emulator.oss_get("sms-fc-elements", "elements/SMS/X/e.json").startswith(b"{")
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest

from emulator.core.chaos import parse_rules
from emulator.core.clock import Clock
from emulator.seeds import default_seed
from emulator.sms.models import Reply
from emulator.sms.outbox import MessageFilter
from emulator.state import Emulator
from emulator.testing import EmulatorServer

FILTER_NAMES = {
    "phone": "phone", "templateCode": "template_code", "template_code": "template_code",
    "signName": "sign_name", "sign_name": "sign_name", "bizId": "biz_id", "biz_id": "biz_id", "status": "status",
    "phoneContains": "phone_contains", "phone_contains": "phone_contains",
    "templateContains": "template_contains", "template_contains": "template_contains",
}


class EmulatorHandle:
    """What a test gets: the server's addresses, the default keys, and direct access to the state."""

    def __init__(self, server: EmulatorServer, seed_data: dict[str, Any]) -> None:
        self.server = server
        self.seed_data = seed_data
        key_id, value = next(iter(seed_data["accessKeys"].items()))
        self.access_key_id: str = key_id
        self.access_key_secret: str = value if isinstance(value, str) else value["secret"]

    @property
    def endpoint(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return self.server.endpoint

    @property
    def netloc(self) -> str:
        """``127.0.0.1:PORT`` (the OpenAPI SDK's ``Config.endpoint``)."""
        return self.server.netloc

    @property
    def state(self) -> Emulator:
        return self.server.state

    @property
    def clock(self) -> Clock:
        return self.server.state.clock

    def messages(self, limit: int | None = None, **filters: Any) -> list[dict[str, Any]]:
        """Outbox messages, newest first; filters ``phone``, ``templateCode``, ``signName``, ``bizId``,
        ``status``, ``phoneContains``, ``templateContains`` (snake_case names work too)."""
        unknown = sorted(set(filters) - set(FILTER_NAMES))
        if unknown:
            raise TypeError(f"unknown message filters {unknown}; use {sorted(FILTER_NAMES)}")
        criteria = MessageFilter(**{FILTER_NAMES[name]: value for name, value in filters.items()})
        return self.state.sms.messages(criteria, limit)[1]

    def set_push(self, **settings: Any) -> dict[str, Any]:
        """Merge push settings (``reportUrl``, ``upUrl``, ``timeoutMs``, ``retryDelaysSeconds``, ``batchSize``),
        as ``PUT /_emulator/sms/push`` does; returns them all."""
        self.state.seed({"sms": {"push": settings}})
        return self.state.sms.pushes.settings.to_dict()

    def reply(self, phone: str, content: str, sign_name: str | None = None,
              dest_code: str | None = None) -> dict[str, Any]:
        """A user's reply, pushed as SmsUp to ``upUrl`` (as ``POST /_emulator/sms/replies``); returns the push."""
        return self.state.sms.reply([Reply(phone, content, sign_name, dest_code)]).to_dict()

    def pushes(self, kind: str | None = None, status: str | None = None) -> list[dict[str, Any]]:
        """Receipt (``SmsReport``) and reply (``SmsUp``) pushes, newest first, as ``GET /_emulator/sms/pushes``."""
        return self.state.sms.pushes.describe(kind, status)[1]

    def drain_pushes(self, timeout: float = 30.0) -> list[dict[str, Any]]:
        """Wait until no push is due at the emulator's current time and none is in flight (the clock
        moved past a delivery or a retry: the pusher thread has made those attempts), then :meth:`pushes`.
        ``timeout`` (real seconds) only bounds a hang: AssertionError then."""
        assert self.state.sms.pushes.wait_idle(timeout), f"pushes still due after {timeout} s: {self.pushes()}"
        return self.pushes()

    def set_chaos(self, rules: list[dict[str, Any]] | dict[str, Any]) -> list[dict[str, Any]]:
        """Replace the chaos rules (``[]`` turns chaos off); returns them as ``GET /_emulator/chaos`` does."""
        self.state.chaos.set_rules(parse_rules(rules))
        return self.state.chaos.rules()

    def chaos(self) -> list[dict[str, Any]]:
        return self.state.chaos.rules()

    def stats(self) -> dict[str, dict[str, int]]:
        """Request counts: ``{"sms": {"SendSms": n}, "kms": {"GetSecretValue": n}, "oss": {"GetObject": n}}``."""
        return self.state.stats.snapshot()

    def oss_put(self, bucket: str, key: str, data: Any) -> str:
        """Store an object straight in the state (no HTTP, not counted), creating the bucket if needed.

        ``data``: bytes as is; str as UTF-8; any other JSON value serialised with indent=2 as
        ``application/json`` (the seed's rules). Returns the object's ETag (quoted, upper-case MD5).
        """
        with self.state.lock:
            return self.state.oss.put_value(bucket, key, data).quoted_etag

    def oss_get(self, bucket: str, key: str) -> bytes | None:
        """An object's bytes straight from the state, or None when the bucket or key does not exist."""
        with self.state.lock:
            stored = self.state.oss.get(bucket, key)
        return None if stored is None else stored.data

    def kms_put_secret(self, name: str, data: str) -> str:
        """Put a new ACSCurrent version of secret ``name`` (the old current one becomes ACSPrevious;
        the secret is created when missing). Returns the new VersionId."""
        with self.state.lock:
            return self.state.kms.put_secret(name, data).version_id

    def seed(self, data: dict[str, Any], replace: bool = False) -> None:
        self.state.seed(data, replace=replace)

    def reset(self) -> None:
        self.state.reset()

    def sms_client(self, signature_algorithm: str | None = None, **config: Any) -> Any:
        """A Dysmsapi SDK client pointed at the emulator with the default keys."""
        from alibabacloud_dysmsapi20170525.client import Client
        from alibabacloud_tea_openapi.utils_models import Config

        options: dict[str, Any] = {"access_key_id": self.access_key_id, "access_key_secret": self.access_key_secret,
                                   "endpoint": self.netloc, "protocol": "http", **config}
        if signature_algorithm:
            options["signature_algorithm"] = signature_algorithm
        return Client(Config(**options))

    def kms_client(self, signature_algorithm: str | None = None, **config: Any) -> Any:
        """A KMS 2016-01-20 SDK client pointed at the emulator with the default keys (region cn-hangzhou)."""
        from alibabacloud_kms20160120.client import Client
        from alibabacloud_tea_openapi.utils_models import Config

        options: dict[str, Any] = {"access_key_id": self.access_key_id, "access_key_secret": self.access_key_secret,
                                   "endpoint": self.netloc, "protocol": "http", "region_id": "cn-hangzhou", **config}
        if signature_algorithm:
            options["signature_algorithm"] = signature_algorithm
        return Client(Config(**options))

    def oss_client(self, signature_version: str | None = None, access_key_id: str | None = None,
                   access_key_secret: str | None = None, security_token: str | None = None, **config: Any) -> Any:
        """An alibabacloud-oss-v2 client pointed at the emulator (V4 unless ``signature_version="v1"``);
        other ``Config`` fields as keywords (e.g. ``retry_max_attempts=1``; note that the SDK's
        ``get_object_to_file`` then makes no attempt at all)."""
        import alibabacloud_oss_v2 as oss

        cfg = oss.config.load_default()
        cfg.credentials_provider = oss.credentials.StaticCredentialsProvider(
            access_key_id or self.access_key_id, access_key_secret or self.access_key_secret, security_token)
        cfg.region = "cn-hangzhou"
        cfg.endpoint = self.endpoint
        if signature_version:
            cfg.signature_version = signature_version
        for name, value in config.items():
            setattr(cfg, name, value)
        return oss.Client(cfg)


@pytest.fixture(scope="session")
def emulator_seed() -> dict[str, Any]:
    """The seed of the session's server: ``emulator/default_seed.json``. Override it in a conftest to change it."""
    return default_seed()


@pytest.fixture(scope="session")
def emulator_server(emulator_seed: dict[str, Any]) -> Iterator[EmulatorServer]:
    """One emulator server for the whole session."""
    with EmulatorServer(seed=emulator_seed) as server:
        yield server


@pytest.fixture
def emulator(emulator_server: EmulatorServer) -> Iterator[EmulatorHandle]:
    """The session's emulator, reset to the default seed before the test."""
    emulator_server.state.reset()
    yield EmulatorHandle(emulator_server, copy.deepcopy(emulator_server.state.base_seed))
