"""The local FC runtime under load: many open files, a burst of clients, an instance that failed."""

import base64
import contextlib
import os
import resource

import pytest
import requests
from burst_support import burst, status
from fc_runtime_support import fake_stack

WAIT = 60  # seconds: a guard against a hang, never a measurement
SELECT_LIMIT = 1024  # select() refuses file descriptors from FD_SETSIZE on


def body_seen(answer):
    """The request body as the echo function saw it."""
    event = answer.json()["event"]
    return base64.b64decode(event["body"]).decode() if event["isBase64Encoded"] else event["body"]


@pytest.fixture
def stack(tmp_path):
    started, _ = fake_stack(tmp_path)
    yield started
    started.stop()


@contextlib.contextmanager
def open_files(count):
    """``count`` more open file descriptors in this process (the runtime's), closed on exit; the soft
    RLIMIT_NOFILE is raised for them when needed (within the hard limit) and restored."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = count + 256
    if hard != resource.RLIM_INFINITY and hard < needed:
        pytest.skip(f"RLIMIT_NOFILE hard limit {hard} < {needed}")
    if soft != resource.RLIM_INFINITY and soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))
    opened = []
    try:
        for _ in range(count):
            opened.append(os.open(os.devnull, os.O_RDONLY))
        yield opened
    finally:
        for fd in opened:
            os.close(fd)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_a_function_started_past_1024_open_files_answers_and_stays_warm(stack):
    with open_files(SELECT_LIMIT + 64):
        probe = os.dup(0)
        os.close(probe)
        assert probe > SELECT_LIMIT  # so the instance's pipes get descriptors past select()'s range
        answers = [requests.post(f"{stack.endpoint}/echo/", data=str(n), timeout=WAIT) for n in range(3)]
    assert [answer.status_code for answer in answers] == [201] * 3, answers[0].text
    assert len({answer.json()["pid"] for answer in answers}) == 1 and stack.runtime.cold_starts("echo") == 1
    assert [body_seen(answer) for answer in answers] == ["0", "1", "2"]


def test_an_instance_whose_call_failed_is_discarded_and_the_next_call_gets_its_own_answer(stack):
    first = requests.post(f"{stack.endpoint}/echo/", data="first", timeout=WAIT)
    failed = requests.post(f"{stack.endpoint}/echo/", data="garble", timeout=WAIT)
    assert failed.status_code == 502 and failed.json()["errorType"] == "InstanceFailed"
    assert "the handler may have run" in failed.json()["errorMessage"]
    after = requests.post(f"{stack.endpoint}/echo/", data="after", timeout=WAIT)
    assert after.status_code == 201, after.text
    assert body_seen(after) == "after"  # its own answer, not the one the failed call left in the pipe
    assert after.json()["pid"] != first.json()["pid"] and stack.runtime.cold_starts("echo") == 2


def test_a_burst_of_64_connections_to_the_gateway_waits_in_the_listen_queue_and_each_is_answered(stack):
    """64 clients connect before the gateway's accept loop takes any (a backlog of 5 refused the 7th)."""
    call = b"POST /echo/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    answers = burst(stack.create_server(), call, clients=64)
    assert [status(answer) for answer in answers] == [201] * 64
    assert all(b"\r\nx-echo: yes\r\n" in answer.lower() for answer in answers)
