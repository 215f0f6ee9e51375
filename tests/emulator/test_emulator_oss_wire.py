"""OSS on the wire, probed with raw requests signed by the tests' own V4 and V1 signer."""

from __future__ import annotations

import base64
import hashlib
import os
import re
import time
from email.utils import parsedate_to_datetime
from urllib.parse import unquote

import pytest
from alibabacloud_oss_v2.crc import Crc64
from emulator_oss_wire import BUCKET, E_JSON, OssCall
from emulator_wire import STS_KEY, STS_SECRET, STS_TOKEN

from emulator.oss.crc64 import crc64

STYLES = ["v4", "v1"]


@pytest.fixture
def call(emulator):
    def build(**overrides: object) -> OssCall:
        options = {"host": emulator.netloc, "key_id": emulator.access_key_id,
                   "secret": emulator.access_key_secret, **overrides}
        return OssCall(**options)  # type: ignore[arg-type]

    return build


def signed(oss_call: OssCall, style: str, **after_signing: object):
    return getattr(oss_call, style)(**after_signing)


@pytest.mark.parametrize("style", STYLES)
def test_a_signed_get_answers_the_object_with_every_header(call, emulator, style):
    reply = signed(call(), style)
    data = emulator.oss_get(BUCKET, E_JSON)
    assert (reply.status, reply.raw) == (200, data)
    headers = reply.headers
    assert headers["content-type"] == "application/json"
    assert headers["content-length"] == str(len(data))
    assert headers["etag"] == f'"{hashlib.md5(data).hexdigest().upper()}"'
    assert re.fullmatch(r"\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT", headers["last-modified"])
    assert re.fullmatch(r"[0-9A-F]{24}", headers["x-oss-request-id"])
    assert (headers["x-oss-object-type"], headers["x-oss-storage-class"]) == ("Normal", "Standard")
    sdk = Crc64(0)
    sdk.update(data)
    assert headers["x-oss-hash-crc64ecma"] == str(sdk.sum64())
    assert headers["server"] == "AliyunOSS" and headers["date"].endswith("GMT")


def test_crc64_matches_the_known_vectors_and_the_sdk():
    assert crc64(b"123456789") == 0x995DC9BBDF1939FA  # CRC-64/XZ check value
    assert crc64(b"hello world") == 5981764153023615706  # alibabacloud-oss-v2's own test vector
    assert crc64(b"") == 0
    data = os.urandom(4096)
    sdk = Crc64(0)
    sdk.update(data)
    assert crc64(data) == sdk.sum64() == crc64(data[1000:], crc64(data[:1000]))


def test_v4_with_comma_space_separators_as_oss2_writes_them(call):
    assert call().v4(separator=", ").status == 200


@pytest.mark.parametrize("style", STYLES)
def test_a_wrong_secret_shows_the_same_string_to_sign_the_client_signed(call, emulator, style):
    request = call(secret="not-the-secret")
    reply = signed(request, style)
    assert (reply.status, reply.code, reply.field("EC")) == (403, "SignatureDoesNotMatch", "0002-00000040")
    expected = request.v4_parts()[1] if style == "v4" else request.v1_parts()[1]
    assert reply.field("StringToSign").split("\n")[2:] == expected.split("\n")[2:]  # same scope/request digest
    assert reply.field("OSSAccessKeyId") == emulator.access_key_id
    assert reply.headers["x-oss-ec"] == "0002-00000040"


@pytest.mark.parametrize("style", STYLES)
def test_a_tampered_key_fails_the_signature(call, emulator, style):
    emulator.oss_put(BUCKET, "other.json", {"x": 1})
    reply = signed(call(), style, key="other.json")
    assert (reply.status, reply.code) == (403, "SignatureDoesNotMatch")


@pytest.mark.parametrize("style", STYLES)
def test_a_tampered_oss_header_fails_the_signature(call, style):
    reply = signed(call(headers={"x-oss-meta-who": "me"}), style, headers={"x-oss-meta-who": "you"})
    assert (reply.status, reply.code) == (403, "SignatureDoesNotMatch")


def test_a_tampered_query_fails_a_v4_signature(call):
    listing = call(key=None, query=[("list-type", "2"), ("prefix", "elements/")])
    assert listing.v4().status == 200
    reply = listing.v4(query=[("list-type", "2"), ("prefix", "other/")])
    assert (reply.status, reply.code) == (403, "SignatureDoesNotMatch")


def test_a_v1_signed_sub_resource_cannot_be_changed(call):
    reply = call(query=[("uploadId", "1")]).v1(query=[("uploadId", "2")])
    assert (reply.status, reply.code) == (403, "SignatureDoesNotMatch")


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("skew", [-20 * 60, 20 * 60])
def test_a_date_off_by_more_than_15_minutes_is_request_time_too_skewed(call, style, skew):
    reply = signed(call(skew=skew), style)
    assert (reply.status, reply.code) == (403, "RequestTimeTooSkewed")
    assert reply.field("MaxAllowedSkewMilliseconds") == "900000"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z", reply.field("RequestTime"))
    assert reply.field("ServerTime")


@pytest.mark.parametrize("style", STYLES)
def test_a_date_within_15_minutes_is_fine(call, style):
    assert signed(call(skew=-14 * 60), style).status == 200


def test_a_v4_scope_date_must_be_the_x_oss_date(call):
    request = call()
    headers, _, scope, signature = request.v4_parts()
    scope = "20200101" + scope[8:]
    headers["Authorization"] = f"OSS4-HMAC-SHA256 Credential={request.key_id}/{scope},Signature={signature}"
    reply = request.send(headers)
    assert (reply.status, reply.code) == (400, "InvalidArgument")


@pytest.mark.parametrize("style", STYLES)
def test_sts_tokens_on_the_wire(call, style):
    sts = {"key_id": STS_KEY, "secret": STS_SECRET}
    assert signed(call(token=STS_TOKEN, **sts), style).status == 200
    for token in (None, "wrong"):
        reply = signed(call(token=token, **sts), style)
        assert (reply.status, reply.code) == (403, "InvalidSecurityToken")


@pytest.mark.parametrize("style", STYLES)
def test_an_unknown_access_key_is_invalid_access_key_id(call, style):
    reply = signed(call(key_id="LTAI5tNobody0000000000001"), style)
    assert (reply.status, reply.code, reply.field("OSSAccessKeyId")) == \
        (403, "InvalidAccessKeyId", "LTAI5tNobody0000000000001")


@pytest.mark.parametrize(("query", "fragment"), [
    ([], "because of bucket acl"),
    ([("OSSAccessKeyId", "x"), ("Expires", "1"), ("Signature", "y")], "presigned"),
])
def test_anonymous_requests_get_access_denied(call, query, fragment):
    request = call(query=query)
    reply = request.send({})
    assert (reply.status, reply.code) == (403, "AccessDenied")
    assert fragment in reply.field("Message")


def test_the_error_body_has_oss_shape_and_headers(call):
    reply = call(key="elements/none.json").v4()
    assert reply.status == 404
    assert reply.headers["content-type"] == "application/xml"
    assert reply.raw.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<Error>')
    assert [child.tag for child in reply.xml] == ["Code", "Message", "RequestId", "HostId", "Key", "EC", "RecommendDoc"]
    assert reply.field("RequestId") == reply.headers["x-oss-request-id"]
    assert (reply.field("Key"), reply.field("EC")) == ("elements/none.json", "0026-00000001")


def test_a_head_error_has_no_body_and_the_xml_in_x_oss_err(call):
    reply = call(method="HEAD", key="elements/none.json").v4()
    assert (reply.status, reply.raw) == (404, b"")
    assert b"<Code>NoSuchKey</Code>" in base64.b64decode(reply.headers["x-oss-err"])


@pytest.mark.parametrize("host", ["{bucket}.localhost:{port}", "{bucket}.oss-cn-hangzhou.aliyuncs.com"])
@pytest.mark.parametrize("style", STYLES)
def test_virtual_host_style_takes_the_bucket_from_the_host(call, emulator, host, style):
    virtual = host.format(bucket=BUCKET, port=emulator.netloc.rsplit(":", 1)[1])
    reply = signed(call(virtual_host=virtual), style)
    assert (reply.status, reply.raw) == (200, emulator.oss_get(BUCKET, E_JSON))


def test_list_objects_v2_xml_is_shaped_as_oss_answers_it(call, emulator):
    emulator.seed({"oss": {"shape": {"a/1": "x", "a/b/2": "yy", "d e/3": "z", "f": "w"}}})
    reply = call(bucket="shape", key=None, query=[("list-type", "2"), ("delimiter", "/"), ("max-keys", "2"),
                                                  ("encoding-type", "url")]).v4()
    assert reply.status == 200 and reply.headers["content-type"] == "application/xml"
    root = reply.xml
    assert root.tag == "ListBucketResult"
    assert [child.tag for child in root] == ["Name", "Prefix", "MaxKeys", "Delimiter", "EncodingType", "IsTruncated",
                                             "NextContinuationToken", "CommonPrefixes", "CommonPrefixes", "KeyCount"]
    assert [root.findtext(n) for n in ("Name", "MaxKeys", "Delimiter", "IsTruncated", "KeyCount")] == \
        ["shape", "2", "/", "true", "2"]
    assert [p.findtext("Prefix") for p in root.iter("CommonPrefixes")] == ["a/", "d%20e/"]
    token = unquote(root.findtext("NextContinuationToken"))  # encoding-type=url covers the token too
    rest = call(bucket="shape", key=None, query=[("list-type", "2"), ("delimiter", "/"),
                                                 ("continuation-token", token)]).v4().xml
    [entry] = rest.iter("Contents")
    assert [child.tag for child in entry] == ["Key", "LastModified", "ETag", "Type", "Size", "StorageClass"]
    assert (entry.findtext("Key"), entry.findtext("Size"), entry.findtext("StorageClass")) == ("f", "1", "Standard")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", entry.findtext("LastModified"))
    assert (rest.findtext("IsTruncated"), rest.findtext("KeyCount"), rest.findtext("ContinuationToken")) == \
        ("false", "1", token)


@pytest.mark.parametrize(("max_keys", "status"), [("0", 400), ("1001", 400), ("x", 400), ("1000", 200)])
def test_max_keys_must_be_1_to_1000(call, max_keys, status):
    reply = call(key=None, query=[("list-type", "2"), ("max-keys", max_keys)]).v4()
    assert reply.status == status


@pytest.mark.parametrize(("md5", "status", "code"), [
    (base64.b64encode(hashlib.md5(b"data").digest()).decode(), 200, None),
    (base64.b64encode(hashlib.md5(b"other").digest()).decode(), 400, "BadDigest"),
    ("not-md5", 400, "InvalidDigest"),
])
def test_put_checks_content_md5(call, emulator, md5, status, code):
    reply = call(method="PUT", key="md5.txt", body=b"data", headers={"Content-MD5": md5}).v4()
    assert (reply.status, reply.code if reply.raw else None) == (status, code)
    assert (emulator.oss_get(BUCKET, "md5.txt") == b"data") == (status == 200)


def test_forbid_overwrite_keeps_an_existing_object(call, emulator):
    reply = call(method="PUT", body=b"new", headers={"x-oss-forbid-overwrite": "true"}).v4()
    assert (reply.status, reply.code) == (409, "FileAlreadyExists")
    assert emulator.oss_get(BUCKET, E_JSON).startswith(b"{")


def test_a_put_without_content_type_is_octet_stream_and_keeps_metadata(call):
    assert call(method="PUT", key="m.bin", body=b"\x00", headers={"x-oss-meta-Owner": "ops"}).v4().status == 200
    reply = call(key="m.bin").v4()
    assert (reply.headers["content-type"], reply.headers["x-oss-meta-owner"]) == ("application/octet-stream", "ops")


def test_response_overrides_set_headers_of_the_answer(call):
    reply = call(query=[("response-content-type", "text/plain"),
                        ("response-content-disposition", "attachment")]).v4()
    assert (reply.headers["content-type"], reply.headers["content-disposition"]) == ("text/plain", "attachment")


def test_unsupported_operations_are_501_after_authentication_and_counted(call, emulator):
    assert call(query=[("acl", "")]).v4().code == "NotImplemented"
    assert call(query=[("acl", "")], secret="wrong").v4().code == "SignatureDoesNotMatch"
    assert emulator.stats() == {"oss": {"GetObjectAcl": 2}}


@pytest.mark.parametrize(("bucket", "key", "code"), [
    ("UPPER", "x", "InvalidBucketName"), ("ab", "x", "InvalidBucketName"), (BUCKET, "/lead", "InvalidObjectName"),
])
def test_bad_names_are_400(call, bucket, key, code):
    reply = call(bucket=bucket, key=key).v4()
    assert (reply.status, reply.code) == (400, code)


def test_the_payload_hash_may_be_the_real_sha256_but_must_match(call):
    body = b"payload"
    digest = hashlib.sha256(body).hexdigest()
    assert call(method="PUT", key="p.txt", body=body, headers={"x-oss-content-sha256": digest}).v4().status == 200
    wrong = call(method="PUT", key="p.txt", body=body, headers={"x-oss-content-sha256": "0" * 64}).v4()
    assert (wrong.status, wrong.code) == (400, "InvalidArgument")


@pytest.mark.parametrize("version", ["1", "2"])
def test_listing_last_modified_is_whole_seconds_as_oss_writes_it(call, emulator, version):
    """OSS answers ``…:27.000Z``; oss2 parses exactly that shape (oss2/utils.py iso8601_to_unixtime)."""
    emulator.clock.set(int(emulator.clock.now()) + 0.46)
    emulator.oss_put("stamps", "k", "x")
    with emulator.state.lock:
        modified = emulator.state.oss.get("stamps", "k").last_modified
    assert modified % 1 > 0.4  # the fraction the listing must drop
    query = [("list-type", "2")] if version == "2" else []
    [entry] = call(bucket="stamps", key=None, query=query).v4().xml.iter("Contents")
    expected = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(int(modified)))
    assert entry.findtext("LastModified") == expected
    header = call(bucket="stamps", key="k").v4().headers["last-modified"]
    assert parsedate_to_datetime(header).timestamp() == int(modified)


@pytest.mark.parametrize("style", STYLES)
def test_get_object_meta_answers_the_basic_headers_without_a_body(call, emulator, style):
    reply = signed(call(method="HEAD", query=[("objectMeta", "")]), style)
    data = emulator.oss_get(BUCKET, E_JSON)
    assert (reply.status, reply.raw) == (200, b"")
    assert reply.headers["etag"] == f'"{hashlib.md5(data).hexdigest().upper()}"'
    assert reply.headers["content-length"] == str(len(data))
    assert reply.headers["last-modified"] == call().v4().headers["last-modified"]
    assert re.fullmatch(r"[0-9A-F]{24}", reply.headers["x-oss-request-id"])
    assert emulator.stats()["oss"]["GetObjectMeta"] == 1


@pytest.mark.parametrize("style", STYLES)
def test_get_object_meta_of_a_missing_key_is_404_no_such_key(call, style):
    reply = signed(call(method="HEAD", key="elements/none.json", query=[("objectMeta", "")]), style)
    assert (reply.status, reply.raw) == (404, b"")
    assert b"<Code>NoSuchKey</Code>" in base64.b64decode(reply.headers["x-oss-err"])


SPECIAL = "a b+!'()*中文/~"


@pytest.mark.parametrize("query_style", ["rfc3986", "form", "raw"])
@pytest.mark.parametrize("version", ["1", "2"])
def test_v4_signs_the_decoded_query_however_the_client_encoded_it(call, emulator, query_style, version):
    """Canonical query = each decoded name and value, RFC 3986-encoded (oss2 ProviderAuthV4.__get_canonical_query)."""
    emulator.seed({"oss": {"chars": {f"{SPECIAL}1": "x", f"{SPECIAL}2": "y", "other": "z"}}})
    marker = ("start-after" if version == "2" else "marker", f"{SPECIAL}1")
    query = [("list-type", "2")] if version == "2" else []
    reply = call(bucket="chars", key=None, query_style=query_style,
                 query=[*query, ("prefix", SPECIAL), marker, ("max-keys", "5")]).v4()
    assert reply.status == 200, reply.raw
    assert [e.findtext("Key") for e in reply.xml.iter("Contents")] == [f"{SPECIAL}2"]
    assert reply.xml.findtext("Prefix") == SPECIAL


@pytest.mark.parametrize("query_style", ["rfc3986", "form", "raw"])
def test_v1_signs_decoded_sub_resources_however_the_client_encoded_them(call, query_style):
    disposition = "attachment; filename=\"a b+!'()*~.txt\""  # an HTTP header: ASCII only
    reply = call(query_style=query_style, query=[("response-content-disposition", disposition)]).v1()
    assert reply.status == 200, reply.raw
    assert reply.headers["content-disposition"] == disposition


@pytest.mark.parametrize("style", STYLES)
def test_keys_with_special_characters_round_trip(call, emulator, style):
    key = f"dir/{SPECIAL}.txt"
    assert signed(call(method="PUT", key=key, body=b"special"), style).status == 200
    assert emulator.oss_get(BUCKET, key) == b"special"
    assert signed(call(key=key), style).raw == b"special"
