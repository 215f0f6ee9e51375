"""Calls Dysmsapi and KMS through the legacy ``aliyun-python-sdk-core`` and its product packages.

Run by tests/conformance/python_support.py in a subprocess that sees only the standard library and
the pinned clients. Reads ``{"client": {...}, "calls": [...]}`` as JSON on stdin and prints one
JSON result per call: ``{"ok": true, "body": {...}}`` or ``{"ok": false, "code", "message", "status",
"requestId"}`` as the SDK's ServerException (or ClientException) reports them, or ``{"ok": false,
"exception"}`` when the SDK failed otherwise.

A call: ``{"product": "dysmsapi" | "kms", "action": "SendSms", "params": {"PhoneNumbers": "…"},
"method": "GET"}`` (``method`` optional). Each parameter goes through the request class's own setter
(``set_PhoneNumbers``), as an application using the SDK would write it.
"""

import importlib
import json
import sys

from aliyunsdkcore.acs_exception.exceptions import ClientException, ServerException
from aliyunsdkcore.client import AcsClient

PACKAGES = {"dysmsapi": "aliyunsdkdysmsapi.request.v20170525", "kms": "aliyunsdkkms.request.v20160120"}


def request_for(call, host):
    name = f"{call['action']}Request"
    request = getattr(importlib.import_module(f"{PACKAGES[call['product']]}.{name}"), name)()
    request.set_endpoint(host)
    request.set_protocol_type("http")  # some KMS request classes default to https
    if call.get("method"):
        request.set_method(call["method"])
    for param, value in call.get("params", {}).items():
        getattr(request, f"set_{param}")(value)
    return request


def run(client, call, host):
    try:
        return {"ok": True, "body": json.loads(client.do_action_with_exception(request_for(call, host)))}
    except ServerException as error:
        return {"ok": False, "code": error.get_error_code(), "message": error.get_error_msg(),
                "status": error.get_http_status(), "requestId": error.get_request_id()}
    except ClientException as error:
        return {"ok": False, "client": True, "code": error.get_error_code(), "message": error.get_error_msg()}
    except Exception as error:  # noqa: BLE001 — the SDK failing on what it read is a result to report
        return {"ok": False, "exception": f"{type(error).__name__}: {error}"}


def main():
    job = json.load(sys.stdin)
    options = job["client"]
    host, port = options["netloc"].rsplit(":", 1)
    client = AcsClient(options["key_id"], options["secret"], "cn-hangzhou", auto_retry=False, port=int(port),
                       connect_timeout=10, timeout=30)
    json.dump([run(client, call, host) for call in job["calls"]], sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
