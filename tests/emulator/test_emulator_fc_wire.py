"""FC 2.0's invoke API on the wire: the body digest in ``Content-MD5``, in both forms official SDKs send.

No runtime is attached, so a request that passes every check reaches the function lookup and is a
404 ``FunctionNotFound``; one whose digest is refused is a 400 ``InvalidArgument`` before that.
"""

import base64
import email.utils
import hashlib

import fc2
import pytest
import requests

PATH = "/2016-08-15/services/sms-fc/functions/echo/invocations"
BODY = '{"phone": "13800138000", "text": "你好 +!\'()*"}'.encode()
OTHER = b'{"other": "body"}'


def raw_form(body: bytes) -> str:
    """RFC 1864: base64 of the 16-byte digest."""
    return base64.b64encode(hashlib.md5(body).digest()).decode()


def hex_form(body: bytes) -> str:
    """What Node's @alicloud/fc2 sends (lib/client.js): base64 of the 32-character hex digest."""
    return base64.b64encode(hashlib.md5(body).hexdigest().encode()).decode()


def invoke(emulator, content_md5: str, body: bytes = BODY) -> requests.Response:
    headers = {"date": email.utils.formatdate(usegmt=True), "content-type": "application/json",
               "content-md5": content_md5}
    headers["authorization"] = fc2.auth.Auth(emulator.access_key_id, emulator.access_key_secret).sign_request(
        "POST", PATH, headers)
    return requests.post(emulator.endpoint + PATH, data=body, headers=headers, timeout=30)


@pytest.mark.parametrize("form", [raw_form, hex_form])
def test_both_digest_forms_of_the_body_are_accepted(emulator, form):
    answer = invoke(emulator, form(BODY))
    assert (answer.status_code, answer.json()["ErrorCode"]) == (404, "FunctionNotFound")


@pytest.mark.parametrize("content_md5", [
    raw_form(OTHER), hex_form(OTHER),  # either form, of another body
    hashlib.md5(BODY).hexdigest(),  # the hex digest itself, not base64-encoded
    base64.b64encode(hashlib.md5(BODY).hexdigest().upper().encode()).decode(),  # upper-case hex: no SDK sends it
    raw_form(BODY).rstrip("="), "not base64 at all!",
])
def test_any_other_content_md5_is_refused(emulator, content_md5):
    answer = invoke(emulator, content_md5)
    assert answer.status_code == 400
    assert answer.json() == {"ErrorCode": "InvalidArgument",
                             "ErrorMessage": "Content-MD5 does not match the request body"}
