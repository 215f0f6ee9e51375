"""The HTTP server itself, in-process and as ``python -m emulator``."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from alibabacloud_dysmsapi20170525 import models
from burst_support import burst, status
from emulator_wire import NOTIFY, PHONE, SIGN

from emulator import EmulatorServer
from emulator.app import create_server
from emulator.pytest_plugin import EmulatorHandle
from emulator.seeds import DEFAULT_SEED, default_seed
from emulator.state import Emulator

ROOT = Path(__file__).resolve().parents[2]


def test_one_keep_alive_connection_serves_many_requests(emulator):
    connection = http.client.HTTPConnection(emulator.netloc, timeout=5)
    try:
        for _ in range(3):
            connection.request("GET", "/_emulator/health")
            response = connection.getresponse()
            assert response.getheader("Content-Length") == str(len(response.read()))
            assert response.status == 200
        assert response.version == 11
    finally:
        connection.close()


def test_a_chunked_body_is_read(emulator):
    connection = http.client.HTTPConnection(emulator.netloc, timeout=5)
    body = json.dumps({"sms": {"signs": [{"name": "分块签名", "status": 1}]}}).encode()
    try:
        connection.request("POST", "/_emulator/seed", body=iter([body[:10], body[10:]]),
                           headers={"Transfer-Encoding": "chunked"}, encode_chunked=True)
        assert connection.getresponse().status == 200
    finally:
        connection.close()
    assert "分块签名" in emulator.state.sms.catalog.signs


def test_other_paths_are_oss_answering_xml(emulator):
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(f"{emulator.endpoint}/some-bucket/some-key", timeout=5)
    assert info.value.code == 404
    assert info.value.headers["Content-Type"] == "application/xml"
    assert b"<Code>NoSuchBucket</Code>" in info.value.read()


def test_a_burst_of_64_connections_waits_in_the_listen_queue_and_each_is_answered():
    """64 clients connect before the accept loop takes any (a backlog of 5 refused the 7th)."""
    health = b"GET /_emulator/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    answers = burst(create_server(Emulator(default_seed())), health, clients=64)
    assert [status(answer) for answer in answers] == [200] * 64
    assert all(answer.endswith(b'{"status": "ok"}') for answer in answers)


def test_stop_closes_idle_keep_alive_connections():
    server = EmulatorServer(seed=default_seed()).start()
    connection = http.client.HTTPConnection(server.netloc, timeout=5)
    connection.request("GET", "/_emulator/health")
    assert connection.getresponse().read()
    server.stop()
    with pytest.raises((ConnectionError, http.client.HTTPException, OSError)):
        connection.request("GET", "/_emulator/health")
        connection.getresponse()
    connection.close()


def test_an_in_process_server_serves_the_sdk_and_stops():
    seed = default_seed()
    with EmulatorServer(seed=seed) as server:
        client = EmulatorHandle(server, seed).sms_client()
        body = client.send_sms(models.SendSmsRequest(phone_numbers=PHONE, sign_name=SIGN, template_code=NOTIFY,
                                                     template_param='{"name":"a","order":"1"}')).body
        assert body.code == "OK"
        assert server.state.sms.messages()[0] == 1
        port = server.port
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/_emulator/health", timeout=2)


def start_process(*args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "emulator", *args], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_python_m_emulator_prints_the_ready_line_serves_and_stops_on_sigterm():
    process = start_process("--host", "127.0.0.1", "--port", "0", "--seed", str(DEFAULT_SEED))
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("emulator listening on http://127.0.0.1:")
        endpoint = line.strip().rsplit(" ", 1)[1]
        with urllib.request.urlopen(f"{endpoint}/_emulator/health", timeout=5) as response:
            assert json.loads(response.read()) == {"status": "ok"}
        handle_seed = default_seed()
        host = endpoint.split("://", 1)[1]
        from alibabacloud_dysmsapi20170525.client import Client
        from alibabacloud_tea_openapi.utils_models import Config

        key_id, secret = next(iter(handle_seed["accessKeys"].items()))
        client = Client(Config(access_key_id=key_id, access_key_secret=secret, endpoint=host, protocol="http"))
        assert client.query_sms_sign(models.QuerySmsSignRequest(sign_name=SIGN)).body.code == "OK"
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
        assert process.stdout.read() == ""  # exactly one line on stdout
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def test_python_m_emulator_stops_on_sigint():
    process = start_process("--port", "0")
    try:
        assert process.stdout is not None
        assert process.stdout.readline().startswith("emulator listening on ")
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def test_python_m_emulator_refuses_a_bad_seed(tmp_path):
    bad = tmp_path / "seed.json"
    bad.write_text('{"accessKeys": {"AK": 5}}')
    process = start_process("--port", "0", "--seed", str(bad))
    try:
        assert process.wait(timeout=10) == 2
        assert process.stdout is not None and process.stderr is not None
        assert process.stdout.read() == ""
        assert "accessKeys.AK" in process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
