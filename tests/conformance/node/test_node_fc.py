"""FC's invoke API through @alicloud/fc2, which sends every body with ``Content-MD5`` = base64 of the
hex MD5 digest, against functions of a local FC runtime (the functional tests' fake project)."""

from __future__ import annotations

import json

import pytest

EVENT = {"phone": "13800138000", "text": "你好 +!'()*/ =&%"}


def invoke(node, function="echo", event=EVENT, **config):
    body = json.dumps(event, ensure_ascii=False)
    return node.call("fc2", "invokeFunction", {"service": "sms-fc", "function": function, "event": body}, **config)


def test_an_invoke_with_a_body_reaches_the_function(node, emulator, fc_runtime):
    answer = invoke(node)

    assert answer.ok, answer.error
    seen = json.loads(answer.value["data"])
    assert seen["event"] == EVENT  # the body, byte for byte, is the handler's event
    assert seen["context"]["request_id"] == answer.value["headers"]["x-fc-request-id"]
    assert emulator.stats()["fc"]["InvokeFunction"] == 1


@pytest.mark.parametrize(("function", "config", "code", "status"), [
    ("echo", {"accessKeySecret": "not-the-secret"}, "SignatureNotMatch", 403),
    ("echo", {"accessKeyId": "LTAI5tNobodyHasThisKey01"}, "InvalidAccessKeyID", 403),
    ("no-such-function", {}, "FunctionNotFound", 404),
])
def test_refusals_surface_fcs_error_code(node, fc_runtime, function, config, code, status):
    outcome = invoke(node, function, **config)

    assert not outcome.ok, outcome.value
    assert (outcome.code, outcome.status) == (code, status)
