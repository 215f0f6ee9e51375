"""OSS through alibabacloud-oss-v2 (V4 and V1): objects, ranges, CRC-64, errors, STS and chaos."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from datetime import datetime, timezone

import alibabacloud_oss_v2 as oss
import pytest
from alibabacloud_oss_v2.crc import Crc64
from emulator_wire import STS_KEY, STS_SECRET, STS_TOKEN
from oss_support import service_error

BUCKET = "sms-fc-elements"
E_JSON = "elements/SMS/Default/e.json"
ODD_KEY = "dir/a b+c%d#e/中文.txt"
REQUEST_ID = re.compile(r"^[0-9A-F]{24}$")


def sdk_crc(data: bytes) -> str:
    crc = Crc64(0)
    crc.update(data)
    return str(crc.sum64())


def get(client, key, bucket=BUCKET, **options):
    return client.get_object(oss.GetObjectRequest(bucket=bucket, key=key, **options))


def put(client, key, body, bucket=BUCKET, **options):
    return client.put_object(oss.PutObjectRequest(bucket=bucket, key=key, body=body, **options))


def test_get_object_answers_the_seeded_json_with_the_oss_headers(any_oss, emulator):
    result = get(any_oss, E_JSON)
    data = result.body.content
    assert json.loads(data) == {"title": "Default SMS", "type": "SMS.Aliyun", "backendBundleEntry": "."}
    assert data.startswith(b'{\n  "title"')  # JSON seed values are stored indented
    assert (result.status_code, result.content_type, result.content_length) == (200, "application/json", len(data))
    assert result.etag == f'"{hashlib.md5(data).hexdigest().upper()}"'
    assert result.hash_crc64 == sdk_crc(data)
    assert (result.object_type, result.storage_class) == ("Normal", "Standard")
    assert result.headers["Server"] == "AliyunOSS"
    assert REQUEST_ID.match(result.request_id) and result.request_id == result.headers["x-oss-request-id"]
    assert abs((datetime.now(timezone.utc) - result.last_modified).total_seconds()) < 60
    assert re.fullmatch(r"\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT", result.headers["Last-Modified"])


def test_put_then_get_round_trips_bytes_type_and_metadata(any_oss, emulator):
    body = bytes(range(256)) * 3
    written = put(any_oss, ODD_KEY, body, content_type="text/csv", metadata={"owner": "ops"})
    assert written.hash_crc64 == sdk_crc(body)  # the SDK compared it with its own upload CRC, too
    assert written.etag == f'"{hashlib.md5(body).hexdigest().upper()}"'
    result = get(any_oss, ODD_KEY)
    assert (result.body.content, result.content_type, result.metadata["owner"]) == (body, "text/csv", "ops")
    assert emulator.oss_get(BUCKET, ODD_KEY) == body


def test_head_object_answers_the_headers_without_a_body(any_oss):
    result = any_oss.head_object(oss.HeadObjectRequest(bucket=BUCKET, key=E_JSON))
    data = get(any_oss, E_JSON).body.content
    assert (result.status_code, result.content_length, result.hash_crc64) == (200, len(data), sdk_crc(data))


def test_delete_object_is_204_and_deleting_twice_is_fine(any_oss, emulator):
    for _ in range(2):
        assert any_oss.delete_object(oss.DeleteObjectRequest(bucket=BUCKET, key=E_JSON)).status_code == 204
    assert emulator.oss_get(BUCKET, E_JSON) is None


def test_a_missing_key_is_no_such_key_with_the_request_id(any_oss):
    error = service_error(lambda: get(any_oss, "elements/SMS/Nope/e.json"))
    assert (error.status_code, error.code, error.ec) == (404, "NoSuchKey", "0026-00000001")
    assert error.message == "The specified key does not exist."
    assert error.error_fileds["Key"] == "elements/SMS/Nope/e.json"
    assert REQUEST_ID.match(error.request_id) and error.request_id == error.headers["x-oss-request-id"]


def test_a_head_error_surfaces_through_the_x_oss_err_header(any_oss):
    error = service_error(lambda: any_oss.head_object(oss.HeadObjectRequest(bucket=BUCKET, key="nope")))
    assert (error.status_code, error.code) == (404, "NoSuchKey")
    assert REQUEST_ID.match(error.request_id)


@pytest.mark.parametrize("call", [
    lambda c: get(c, E_JSON, bucket="no-such-bucket"),
    lambda c: put(c, "k", b"x", bucket="no-such-bucket"),
    lambda c: c.list_objects_v2(oss.ListObjectsV2Request(bucket="no-such-bucket")),
])
def test_buckets_not_seeded_do_not_exist(any_oss, call):
    error = service_error(lambda: call(any_oss))
    assert (error.status_code, error.code, error.ec) == (404, "NoSuchBucket", "0015-00000101")
    assert error.error_fileds["BucketName"] == "no-such-bucket"


def test_a_download_passes_the_sdks_crc64_check_and_a_wrong_crc_fails_it(emulator, tmp_path):
    client = emulator.oss_client()  # get_object_to_file needs >= 2 attempts to try at all
    data = b"0123456789abcdef" * 20000
    emulator.oss_put(BUCKET, "big.bin", data)
    target = tmp_path / "big.bin"
    client.get_object_to_file(oss.GetObjectRequest(bucket=BUCKET, key="big.bin"), str(target))
    assert target.read_bytes() == data
    parts = tmp_path / "parts.bin"
    downloader = client.downloader(part_size=100 * 1024)
    downloader.download_file(oss.GetObjectRequest(bucket=BUCKET, key="big.bin"), str(parts))
    assert parts.read_bytes() == data  # range requests, then the combined CRC against HeadObject's
    bucket = emulator.state.oss.buckets[BUCKET]
    bucket.objects["big.bin"] = dataclasses.replace(bucket.objects["big.bin"], crc64=12345)
    with pytest.raises(oss.exceptions.InconsistentError):
        client.get_object_to_file(oss.GetObjectRequest(bucket=BUCKET, key="big.bin"), str(tmp_path / "bad"))


@pytest.mark.parametrize(("options", "status", "content_range", "body"), [
    ({"range_header": "bytes=0-4"}, 206, "bytes 0-4/11", b"hello"),
    ({"range_header": "bytes=6-"}, 206, "bytes 6-10/11", b"world"),
    ({"range_header": "bytes=-5"}, 206, "bytes 6-10/11", b"world"),
    ({"range_header": "bytes=0-100"}, 200, None, b"hello world"),
    ({"range_header": "bytes=0-100", "range_behavior": "standard"}, 206, "bytes 0-10/11", b"hello world"),
    ({"range_header": "bytes=20-30"}, 200, None, b"hello world"),
])
def test_ranges(any_oss, emulator, options, status, content_range, body):
    emulator.oss_put(BUCKET, "hello.txt", "hello world")
    result = get(any_oss, "hello.txt", **options)
    assert (result.status_code, result.content_range, result.body.content) == (status, content_range, body)
    assert result.hash_crc64 == sdk_crc(b"hello world")  # always the whole object's CRC


def test_an_unsatisfiable_standard_range_is_416(any_oss, emulator):
    emulator.oss_put(BUCKET, "hello.txt", "hello world")
    error = service_error(lambda: get(any_oss, "hello.txt", range_header="bytes=20-30", range_behavior="standard"))
    assert (error.status_code, error.code) == (416, "InvalidRange")


KEYS = ["a/1", "a/2", "a/b/3", "b/4", "c", "d e/5"]


@pytest.fixture
def listed(emulator):
    emulator.seed({"oss": {"listing": dict.fromkeys(KEYS, "x")}}, replace=False)
    return "listing"


def list_v2(client, bucket, **options):
    return client.list_objects_v2(oss.ListObjectsV2Request(bucket=bucket, **options))


def names(result):
    return [o.key for o in result.contents or []], [p.prefix for p in result.common_prefixes or []]


@pytest.mark.parametrize(("options", "keys", "prefixes"), [
    ({}, KEYS, []),
    ({"delimiter": "/"}, ["c"], ["a/", "b/", "d e/"]),
    ({"prefix": "a/", "delimiter": "/"}, ["a/1", "a/2"], ["a/b/"]),
    ({"prefix": "a/"}, ["a/1", "a/2", "a/b/3"], []),
    ({"start_after": "a/b/3"}, ["b/4", "c", "d e/5"], []),
    ({"prefix": "zz"}, [], []),
])
def test_list_objects_v2_prefix_delimiter_and_start_after(any_oss, listed, options, keys, prefixes):
    result = list_v2(any_oss, listed, **options)
    assert names(result) == (keys, prefixes)
    assert (result.key_count, result.is_truncated, result.name) == (len(keys) + len(prefixes), False, listed)


def test_list_objects_v2_entries_carry_size_etag_and_class(any_oss, listed, emulator):
    [entry] = list_v2(any_oss, listed, prefix="c").contents
    assert (entry.size, entry.etag, entry.storage_class, entry.object_type) == \
        (1, f'"{hashlib.md5(b"x").hexdigest().upper()}"', "Standard", "Normal")
    assert abs((datetime.now(timezone.utc) - entry.last_modified).total_seconds()) < 60


@pytest.mark.parametrize(("options", "pages"), [
    ({"max_keys": 2}, [(["a/1", "a/2"], []), (["a/b/3", "b/4"], []), (["c", "d e/5"], [])]),
    ({"max_keys": 1, "delimiter": "/"}, [([], ["a/"]), ([], ["b/"]), (["c"], []), ([], ["d e/"])]),
])
def test_list_objects_v2_pages_with_continuation_tokens(any_oss, listed, options, pages):
    seen = []
    token = None
    while True:
        result = list_v2(any_oss, listed, continuation_token=token, **options)
        seen.append(names(result))
        if not result.is_truncated:
            break
        token = result.next_continuation_token
        assert token
    assert seen == pages
    paginated = any_oss.list_objects_v2_paginator().iter_page(oss.ListObjectsV2Request(bucket=listed, **options))
    assert [names(page) for page in paginated] == pages


def test_a_garbled_continuation_token_is_invalid_argument(any_oss, listed):
    error = service_error(lambda: list_v2(any_oss, listed, continuation_token="%%%"))
    assert (error.status_code, error.code) == (400, "InvalidArgument")


def test_list_objects_v1_uses_markers(any_oss, listed):
    first = any_oss.list_objects(oss.ListObjectsRequest(bucket=listed, max_keys=2, delimiter="/"))
    assert (names(first), first.is_truncated, first.next_marker) == (([], ["a/", "b/"]), True, "b/")
    second = any_oss.list_objects(oss.ListObjectsRequest(bucket=listed, max_keys=10, delimiter="/",
                                                         marker=first.next_marker))
    assert (names(second), second.is_truncated, second.next_marker) == ((["c"], ["d e/"]), False, None)
    assert second.contents[0].owner.id


@pytest.mark.parametrize("version", ["v4", "v1"])
def test_sts_credentials_need_exactly_their_token(emulator, version):
    good = emulator.oss_client(version, STS_KEY, STS_SECRET, STS_TOKEN, retry_max_attempts=1)
    assert get(good, E_JSON).status_code == 200
    for token in ("wrong-token", None):
        bad = emulator.oss_client(version, STS_KEY, STS_SECRET, token, retry_max_attempts=1)
        error = service_error(lambda client=bad: get(client, E_JSON))
        assert (error.status_code, error.code) == (403, "InvalidSecurityToken")
    plain = emulator.oss_client(version, security_token=STS_TOKEN, retry_max_attempts=1)
    assert service_error(lambda: get(plain, E_JSON)).code == "InvalidSecurityToken"


@pytest.mark.parametrize("version", ["v4", "v1"])
def test_a_wrong_secret_is_signature_does_not_match_with_the_string_to_sign(emulator, version):
    client = emulator.oss_client(version, access_key_secret="not-the-secret", retry_max_attempts=1)
    error = service_error(lambda: get(client, E_JSON))
    assert (error.status_code, error.code, error.ec) == (403, "SignatureDoesNotMatch", "0002-00000040")
    assert error.error_fileds["StringToSign"].startswith("OSS4-HMAC-SHA256\n" if version == "v4" else "GET\n")
    assert error.error_fileds["OSSAccessKeyId"] == emulator.access_key_id


@pytest.mark.parametrize(("key_id", "message"), [
    ("LTAI5tUnknownKey000000001", "does not exist in our records"),
    ("LTAI5tDisabledKeyId000001", "is disabled"),
])
def test_unknown_and_disabled_keys_are_invalid_access_key_id(emulator, key_id, message):
    client = emulator.oss_client(access_key_id=key_id, retry_max_attempts=1)
    error = service_error(lambda: get(client, E_JSON))
    assert (error.status_code, error.code, error.ec) == (403, "InvalidAccessKeyId", "0002-00000902")
    assert message in error.message


def test_anonymous_requests_are_access_denied(emulator):
    anonymous = oss.credentials.AnonymousCredentialsProvider()
    client = emulator.oss_client(retry_max_attempts=1, credentials_provider=anonymous)
    error = service_error(lambda: get(client, E_JSON))
    assert (error.status_code, error.code) == (403, "AccessDenied")


def oss_rule(fault, action="GetObject", **extra):
    return {"service": "oss", "action": action, "probability": 1.0, "fault": fault, **extra}


def test_an_http_fault_is_an_xml_503_for_that_action_only(any_oss, emulator):
    emulator.set_chaos([oss_rule({"type": "http", "status": 503})])
    error = service_error(lambda: get(any_oss, E_JSON))
    assert (error.status_code, error.code) == (503, "ServiceUnavailable")
    assert REQUEST_ID.match(error.request_id)
    assert put(any_oss, "other.txt", b"x").status_code == 200


def test_the_sdk_retries_a_5xx_fault_that_fires_once(emulator):
    emulator.set_chaos([oss_rule({"type": "http", "status": 500}, count=1)])
    assert get(emulator.oss_client(), E_JSON).status_code == 200
    assert emulator.stats()["oss"]["GetObject"] == 2


@pytest.mark.parametrize(("code", "status"), [("NoSuchKey", 404), ("AccessDenied", 403), ("SlowDown", 400)])
def test_an_error_fault_keeps_a_known_codes_status(any_oss, emulator, code, status):
    emulator.set_chaos([oss_rule({"type": "error", "code": code})])
    assert (service_error(lambda: get(any_oss, E_JSON)).status_code, code) == (status, code)


def test_drop_latency_and_garbage(emulator):
    client = emulator.oss_client(retry_max_attempts=1, readwrite_timeout=0.2)
    emulator.set_chaos([oss_rule({"type": "drop"})])
    with pytest.raises(oss.exceptions.OperationError) as info:
        get(client, E_JSON)
    assert not isinstance(info.value.unwrap(), oss.exceptions.ServiceError)
    emulator.set_chaos([oss_rule({"type": "latency", "ms": 500})])
    with pytest.raises(oss.exceptions.OperationError):
        get(client, E_JSON).body.content  # noqa: B018 - reading the body is what times out
    emulator.set_chaos([oss_rule({"type": "garbage"}, action="*")])
    assert b"Tengine" in get(client, E_JSON).body.content
    listing = list_v2(client, BUCKET)  # the SDK reads a proxy's HTML page as an empty listing
    assert (listing.status_code, listing.name, listing.contents, listing.key_count) == (200, None, None, None)


def test_chaos_applies_after_the_signature_and_stats_count_refusals(emulator):
    emulator.set_chaos([oss_rule({"type": "http", "status": 503}, action="*")])
    bad = emulator.oss_client(access_key_secret="wrong", retry_max_attempts=1)
    assert service_error(lambda: get(bad, E_JSON)).code == "SignatureDoesNotMatch"
    assert emulator.chaos()[0]["fired"] == 0
    emulator.set_chaos([])
    client = emulator.oss_client(retry_max_attempts=1)
    put(client, "k.txt", b"1")
    client.head_object(oss.HeadObjectRequest(bucket=BUCKET, key="k.txt"))
    list_v2(client, BUCKET)
    client.delete_object(oss.DeleteObjectRequest(bucket=BUCKET, key="k.txt"))
    assert emulator.stats() == {"oss": {"GetObject": 1, "PutObject": 1, "HeadObject": 1, "ListObjectsV2": 1,
                                        "DeleteObject": 1}}
