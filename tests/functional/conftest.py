import json
import socket

import pytest
from functional_support import SIGN

from shared import App
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
        options = {"retry_base_delay_ms": 0, "retry_max_delay_ms": 0, **overrides}
        settings = Settings(
            elements_source=str(root),
            dysms_endpoint=Endpoint.parse(endpoint or emulator.endpoint, "test"),
            **options,
        )
        return App(settings)

    return build


@pytest.fixture
def closed_port_endpoint():
    """An http URL on loopback where nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"
