from types import SimpleNamespace

import pytest

from shared.elements import runtime


@pytest.fixture(autouse=True)
def fresh(monkeypatch):
    monkeypatch.setenv("SMS_ELEMENTS_SOURCE", "examples/elements")
    runtime.reset()
    yield
    runtime.reset()


def context(token):
    return SimpleNamespace(request_id="r", credentials=SimpleNamespace(
        access_key_id="STS.id", access_key_secret="secret", security_token=token))


def test_one_app_per_instance_with_each_invocations_credentials():
    first = context("t1")
    app = runtime.app_for(first)
    assert app.credentials.security_token == "t1"
    assert runtime.app_for(first) is app
    rotated = context("t2")  # FC hands a new credentials object when the role's keys rotate
    assert runtime.app_for(rotated) is app
    assert app.credentials.security_token == "t2"


def test_no_context_credentials_fall_back_to_the_environment(monkeypatch):
    app = runtime.app_for(context("t1"))
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "ENV.id")
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "env-secret")
    runtime.app_for(SimpleNamespace(request_id="r"))
    assert app.credentials.access_key_id == "ENV.id"
