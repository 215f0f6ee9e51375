"""OSS conditional GETs and HEADs (If-None-Match, If-Match, If-Modified-Since, If-Unmodified-Since),
through alibabacloud-oss-v2 and on the wire."""

from __future__ import annotations

from email.utils import formatdate

import alibabacloud_oss_v2 as oss
import pytest
from emulator_oss_wire import BUCKET, E_JSON, OssCall
from oss_support import service_error


def get(client, **conditions):
    return client.get_object(oss.GetObjectRequest(bucket=BUCKET, key=E_JSON, **conditions))


@pytest.fixture
def stored(any_oss):
    """The object's ETag and Last-Modified (epoch seconds) as the SDK reads them."""
    result = get(any_oss)
    return result.etag, result.last_modified.timestamp()


def test_if_none_match_with_the_etag_is_304_without_a_body(any_oss, stored, emulator):
    etag, _ = stored
    error = service_error(lambda: get(any_oss, if_none_match=etag))
    assert error.status_code == 304
    assert get(any_oss, if_none_match='"0123456789ABCDEF0123456789ABCDEF"').status_code == 200
    assert emulator.stats()["oss"]["GetObject"] == 3


def test_if_match_with_another_etag_is_412_precondition_failed(any_oss, stored):
    etag, _ = stored
    assert get(any_oss, if_match=etag).status_code == 200
    error = service_error(lambda: get(any_oss, if_match='"0123456789ABCDEF0123456789ABCDEF"'))
    assert (error.status_code, error.code) == (412, "PreconditionFailed")
    assert error.error_fileds["Condition"] == "If-Match"


def test_modified_since_and_unmodified_since_compare_with_last_modified(any_oss, stored):
    _, modified = stored
    assert get(any_oss, if_modified_since=formatdate(modified - 1, usegmt=True)).status_code == 200
    assert service_error(lambda: get(any_oss, if_modified_since=formatdate(modified, usegmt=True))).status_code == 304
    assert get(any_oss, if_unmodified_since=formatdate(modified, usegmt=True)).status_code == 200
    error = service_error(lambda: get(any_oss, if_unmodified_since=formatdate(modified - 1, usegmt=True)))
    assert (error.status_code, error.code, error.error_fileds["Condition"]) == \
        (412, "PreconditionFailed", "If-Unmodified-Since")


def test_a_changed_object_is_answered_again(any_oss, stored, emulator):
    etag, _ = stored
    emulator.oss_put(BUCKET, E_JSON, {"title": "changed"})
    result = get(any_oss, if_none_match=etag)
    assert result.status_code == 200 and result.etag != etag and b"changed" in result.body.content


def test_a_304_on_the_wire_has_the_validators_and_no_body(emulator, stored):
    etag, _ = stored
    call = OssCall(emulator.netloc, key_id=emulator.access_key_id, secret=emulator.access_key_secret,
                   headers={"If-None-Match": etag})
    reply = call.v4()
    assert (reply.status, reply.raw) == (304, b"")
    assert reply.headers["etag"] == etag and "last-modified" in reply.headers and "x-oss-request-id" in reply.headers


def test_head_object_takes_the_same_conditions(emulator, stored):
    etag, _ = stored
    base = {"host": emulator.netloc, "key_id": emulator.access_key_id, "secret": emulator.access_key_secret,
            "method": "HEAD"}
    assert OssCall(**base, headers={"If-None-Match": etag}).v4().status == 304
    reply = OssCall(**base, headers={"If-Match": '"0"'}).v4()
    assert (reply.status, reply.raw) == (412, b"")


def test_if_match_wins_over_if_unmodified_since_as_rfc_7232_orders_them(any_oss, stored):
    etag, modified = stored
    old = formatdate(modified - 60, usegmt=True)
    assert get(any_oss, if_match=etag, if_unmodified_since=old).status_code == 200
    assert service_error(lambda: get(any_oss, if_none_match=etag, if_modified_since=old)).status_code == 304
