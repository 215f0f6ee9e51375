"""oss2, the legacy OSS SDK for Python, against the emulator: V1 (``oss2.Auth``) and V4 (``oss2.AuthV4``)."""

from __future__ import annotations

import pytest

BUCKET = "sms-fc-elements"
E_JSON = "elements/SMS/Default/e.json"
SPECIAL_KEYS = ["a b.txt", "plus+sign.txt", "!'()*.txt", "中文/文件 1.txt", "dir/sub/~x=y&z;@,$.json", "%41 not hex"]
SPECIAL_PREFIXES = ["a b/", "p+q/", "!'()*/", "中文/", "x=y&z/", "%2F/"]
LISTED = {"conf": {"a/1": "1", "a/2": "2", "a/b/3": "3", "b/4": "4", "c": "5"}}


def ok(result):
    assert result["ok"], result
    return result


def test_put_get_and_delete_keys_with_special_characters(oss2_client, emulator):
    calls = [[{"op": "put", "key": key, "data": f"data of {key}"}, {"op": "get", "key": key},
              {"op": "meta", "key": key}, {"op": "delete", "key": key}, {"op": "exists", "key": key}]
             for key in SPECIAL_KEYS]
    results = oss2_client(*(call for per_key in calls for call in per_key))
    for index, key in enumerate(SPECIAL_KEYS):
        put, got, meta, deleted, gone = results[index * 5:index * 5 + 5]
        assert ok(got)["data"] == f"data of {key}" and got["etag"] == ok(put)["etag"], key
        assert ok(meta)["size"] == len(f"data of {key}".encode()), key
        assert ok(deleted)["status"] == 204 and ok(gone)["exists"] is False, key
        assert emulator.oss_get(BUCKET, key) is None
    assert emulator.stats()["oss"]["PutObject"] == len(SPECIAL_KEYS)


def test_a_put_lands_in_the_bucket(oss2_client, emulator):
    ok(oss2_client({"op": "put", "key": "elements/new.json", "data": '{"n": 1}'})[0])
    assert emulator.oss_get(BUCKET, "elements/new.json") == b'{"n": 1}'


def test_get_object_meta_and_object_exists(oss2_client, emulator):
    """HEAD /key?objectMeta: the object's ETag, size and Last-Modified; 404 NoSuchKey when missing."""
    meta, head, there, missing, missing_meta = oss2_client(
        {"op": "meta", "key": E_JSON}, {"op": "head", "key": E_JSON}, {"op": "exists", "key": E_JSON},
        {"op": "exists", "key": "elements/none.json"}, {"op": "meta", "key": "elements/none.json"})
    data = emulator.oss_get(BUCKET, E_JSON)
    with emulator.state.lock:
        modified = int(emulator.state.oss.get(BUCKET, E_JSON).last_modified)
    assert (ok(meta)["size"], meta["etag"], meta["lastModified"]) == (len(data), ok(head)["etag"], modified)
    assert meta["headers"]["x-oss-request-id"]
    assert ok(there)["exists"] is True and ok(missing)["exists"] is False
    assert (missing_meta["status"], missing_meta["code"]) == (404, "NoSuchKey")
    assert emulator.stats()["oss"]["GetObjectMeta"] == 4


def test_list_objects_pages_with_prefix_delimiter_marker_and_max_keys(oss2_client, emulator):
    emulator.seed({"oss": LISTED})
    first, second, everything, under_a = oss2_client(
        {"op": "list", "delimiter": "/", "max_keys": 2},
        {"op": "list", "delimiter": "/", "max_keys": 2, "marker": "b/"},
        {"op": "iterate", "max_keys": 2},
        {"op": "list", "prefix": "a/", "delimiter": "/"}, bucket="conf")
    assert (ok(first)["prefixes"], first["keys"], first["truncated"], first["nextMarker"]) == \
        (["a/", "b/"], [], True, "b/")
    assert (ok(second)["keys"], second["prefixes"], second["truncated"]) == (["c"], [], False)
    assert ok(everything)["keys"] == ["a/1", "a/2", "a/b/3", "b/4", "c"]
    assert (ok(under_a)["keys"], under_a["prefixes"]) == (["a/1", "a/2"], ["a/b/"])


def test_list_objects_v2_pages_with_continuation_tokens_and_start_after(oss2_client, emulator):
    emulator.seed({"oss": LISTED})
    first, everything, after = oss2_client(
        {"op": "list_v2", "max_keys": 3}, {"op": "iterate_v2", "max_keys": 2},
        {"op": "list_v2", "start_after": "a/b/3", "delimiter": "/"}, bucket="conf")
    assert (ok(first)["keys"], first["truncated"]) == (["a/1", "a/2", "a/b/3"], True)
    rest = ok(oss2_client({"op": "list_v2", "continuation_token": first["nextContinuationToken"]}, bucket="conf")[0])
    assert (rest["keys"], rest["truncated"]) == (["b/4", "c"], False)
    assert ok(everything)["keys"] == ["a/1", "a/2", "a/b/3", "b/4", "c"]
    assert (ok(after)["keys"], after["prefixes"]) == (["c"], ["b/"])


def test_listings_carry_whole_second_times_and_the_etags(oss2_client, emulator):
    """oss2 parses LastModified only as ``…:SS.000Z`` (oss2/utils.py); OSS writes whole seconds."""
    emulator.clock.set(int(emulator.clock.now()) + 0.46)
    emulator.oss_put("conf", "stamped", "x")
    v1, v2 = oss2_client({"op": "list"}, {"op": "list_v2"}, bucket="conf")
    with emulator.state.lock:
        stored = emulator.state.oss.get("conf", "stamped")
    for listed in (ok(v1), ok(v2)):
        assert (listed["keys"], listed["lastModified"], listed["etags"]) == \
            (["stamped"], [int(stored.last_modified)], [stored.etag])


def test_prefixes_and_markers_with_special_characters(oss2_client, emulator):
    """oss2 sends a space as ``+`` and encodes ``!'()*``: the signature must cover the decoded values."""
    emulator.seed({"oss": {"conf": {"other": "x", **{f"{p}{n}": "_" for p in SPECIAL_PREFIXES for n in "123"}}}})
    calls = [[{"op": "list", "prefix": prefix, "marker": f"{prefix}1"},
              {"op": "list_v2", "prefix": prefix, "start_after": f"{prefix}2"},
              {"op": "iterate", "prefix": prefix, "max_keys": 1},
              {"op": "iterate_v2", "prefix": prefix, "max_keys": 1}] for prefix in SPECIAL_PREFIXES]
    results = oss2_client(*(call for per_prefix in calls for call in per_prefix), bucket="conf")
    for index, prefix in enumerate(SPECIAL_PREFIXES):
        v1, v2_after, pages, pages_v2 = results[index * 4:index * 4 + 4]
        assert ok(v1)["keys"] == [f"{prefix}2", f"{prefix}3"], prefix
        assert ok(v2_after)["keys"] == [f"{prefix}3"], prefix
        assert ok(pages)["keys"] == ok(pages_v2)["keys"] == [f"{prefix}1", f"{prefix}2", f"{prefix}3"], prefix


@pytest.mark.parametrize("op", [{"op": "get", "key": E_JSON}, {"op": "list", "prefix": "a b+!'()*"},
                                {"op": "put", "key": "x.txt", "data": "x"}])
def test_a_wrong_secret_is_signature_does_not_match(oss2_client, emulator, op):
    [result] = oss2_client(op, secret="wrong-secret")
    assert (result["ok"], result["status"], result["code"]) == (False, 403, "SignatureDoesNotMatch")
    assert result["requestId"]
    assert emulator.oss_get(BUCKET, "x.txt") is None


@pytest.mark.parametrize(("key_id", "message"), [("LTAI5tUnknownKeyId0000001", "does not exist"),
                                                 ("LTAI5tDisabledKeyId000001", "disabled")])
def test_unknown_and_disabled_keys_are_invalid_access_key_id(oss2_client, key_id, message):
    [result] = oss2_client({"op": "get", "key": E_JSON}, key_id=key_id)
    assert (result["status"], result["code"]) == (403, "InvalidAccessKeyId")
    assert message in result["message"]


def test_missing_keys_and_buckets(oss2_client):
    [no_key] = oss2_client({"op": "get", "key": "elements/none.json"})
    [no_bucket] = oss2_client({"op": "list"}, bucket="no-such-bucket")
    assert (no_key["status"], no_key["code"]) == (404, "NoSuchKey")
    assert (no_bucket["status"], no_bucket["code"]) == (404, "NoSuchBucket")
