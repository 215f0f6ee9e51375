import json
import socket

import pytest
from approval_support import approvals  # noqa: F401 - the approval tests' fixture, shared
from fc_support import DIRECTORY, FULL_KEY, LIMITED_KEY, READ_ONLY_KEY, READER_KEY, write
from functional_support import SIGN

from shared import App
from shared.aliyun.credentials import Credentials
from shared.elements import runtime
from shared.fc.api_keys import hash_key
from shared.settings import Endpoint, Settings


def write_sms_element(root, name, access_key, secret, sign=SIGN):
    folder = root / "SMS" / name
    folder.mkdir(parents=True)
    (folder / "e.json").write_text(json.dumps({"title": name, "type": "SMS.Aliyun", "backendBundleEntry": "."}))
    (folder / "sms.json").write_text(
        json.dumps({"accessKey": access_key, "accessSecret": secret, "verifySign": sign}, ensure_ascii=False)
    )


@pytest.fixture
def make_app(emulator, tmp_path):
    """Build an App whose elements point at the emulator; settings can be overridden."""

    def build(endpoint=None, **overrides):
        root = tmp_path / "elements"
        if not root.exists():
            write_sms_element(root, "Default", emulator.access_key_id, emulator.access_key_secret)
            write_sms_element(root, "WrongSecret", emulator.access_key_id, "not-the-secret")
            write_sms_element(root, "UnknownKey", "LTAI5tUnknownKey", emulator.access_key_secret)
            write_sms_element(root, "UnapprovedSign", emulator.access_key_id, emulator.access_key_secret, "未知签名")
        options = {"retry_base_delay_ms": 0, "retry_max_delay_ms": 0, "store_url": f"sqlite:///{tmp_path / 'app.db'}",
                   "kms_endpoint": Endpoint.parse(emulator.endpoint, "test"), "data_key_id": "alias/sms-fc-store",
                   "hmac_key_secret": "sms-fc/hmac-key", **overrides}  # the send log needs the store and the vault
        settings = Settings(
            elements_source=str(root),
            dysms_endpoint=Endpoint.parse(endpoint or emulator.endpoint, "test"),
            **options,
        )
        return App(settings, credentials=Credentials(emulator.access_key_id, emulator.access_key_secret))

    return build


@pytest.fixture
def closed_port_endpoint():
    """An http URL on loopback where nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def service(emulator, tmp_path, monkeypatch):
    root = tmp_path / "elements"
    write(root, "SMS/Default/e.json", {"title": "d", "type": "SMS.Aliyun", "backendBundleEntry": "."})
    write(root, "SMS/Default/sms.json", {"accessKey": emulator.access_key_id,
                                         "accessSecret": {"kms": "sms/default-secret"}, "verifySign": "阿里云短信测试"})
    write(root, "Directory/Default/e.json", {"title": "dir", "type": "Directory.Static", "backendBundleEntry": "."})
    write(root, "Directory/Default/directory.json", DIRECTORY)
    emulator.kms_put_secret("sms-fc/api-keys", json.dumps({"keys": [
        {"id": "full", "sha256": hash_key(FULL_KEY)},
        {"id": "limited", "sha256": hash_key(LIMITED_KEY), "elements": ["SMS.Default"], "templates": ["SMS_100000002"]},
        {"id": "support", "sha256": hash_key(READER_KEY), "scopes": ["send", "read"]},
        {"id": "auditor", "sha256": hash_key(READ_ONLY_KEY), "scopes": ["read"]},
    ]}))
    env = {"SMS_ELEMENTS_SOURCE": str(root), "SMS_DYSMS_ENDPOINT": emulator.endpoint,
           "SMS_KMS_ENDPOINT": emulator.endpoint, "SMS_API_KEYS_SECRET": "sms-fc/api-keys",
           "SMS_DATA_KEY_ID": "alias/sms-fc-store", "SMS_HMAC_KEY_SECRET": "sms-fc/hmac-key",  # in the default seed
           "SMS_STORE_URL": f"sqlite:///{tmp_path / 'store.db'}", "SMS_SEND_MAX_ATTEMPTS": "2",
           "SMS_RETRY_BASE_DELAY_MS": "0", "SMS_RETRY_MAX_DELAY_MS": "0", "SMS_MAX_BODY_BYTES": "4096"}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    runtime.reset()
    yield emulator
    runtime.reset()
