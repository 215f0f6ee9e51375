"""OSS through ali-oss, signing V1 (``OSS ak:signature``) and V4 (``authorizationV4: true``): objects
with awkward keys, listing and paging (ListObjects with marker, ListObjectsV2 with continuation token
and start-after), errors, wrong secret and unknown key."""

from __future__ import annotations

from email.utils import parsedate_to_datetime

import pytest

BUCKET = "sms-fc-elements"  # emulator/default_seed.json
KEYS = ["dir a/b c.txt", "plus+sign.txt", "sub-delims !'()*.txt", "中文/文件.json", "deep/a/b/c.txt", "100%.txt"]


@pytest.fixture(params=["v1", "v4"])
def oss(request, node):
    """Call ali-oss with the given signature version: ``oss(op, args, **config)`` / ``oss.run(calls)``."""

    class Oss:
        version = request.param

        def run(self, calls, **config):
            return node.run("oss", calls, bucket=BUCKET, authorizationV4=self.version == "v4", **config)

        def __call__(self, op, args, **config):
            [outcome] = self.run([(op, args)], **config)
            return outcome

    return Oss()


def refused(outcome, code, status):
    assert not outcome.ok, outcome.value
    assert (outcome.code, outcome.status) == (code, status), outcome.error


@pytest.mark.parametrize("key", KEYS)
def test_objects_with_awkward_keys_round_trip(oss, emulator, key):
    put, got, head, listed, deleted, gone = oss.run([
        ("put", {"key": key, "content": f"内容 of {key}"}), ("get", {"key": key}), ("head", {"key": key}),
        ("listV2", {"prefix": key}), ("delete", {"key": key}), ("get", {"key": key}),
    ])

    assert put.ok and put.value == 200, put.error
    assert emulator.stats()["oss"]["PutObject"] == 1
    assert got.ok and got.value == f"内容 of {key}"
    assert head.ok and head.value["status"] == 200
    assert listed.ok and [o["name"] for o in listed.value["objects"]] == [key]
    assert deleted.ok and deleted.value == 204
    refused(gone, "NoSuchKey", 404)
    assert emulator.oss_get(BUCKET, key) is None


def test_list_pages_with_prefix_marker_and_max_keys(oss, emulator):
    for n in range(5):
        emulator.oss_put(BUCKET, f"page/{n}.txt", f"{n}")
    emulator.oss_put(BUCKET, "page/sub/x.txt", "x")
    emulator.oss_put(BUCKET, "pages.txt", "not under page/")

    first, = oss.run([("list", {"prefix": "page/", "max-keys": 4})])
    assert first.ok, first.error
    assert [o["name"] for o in first.value["objects"]] == [f"page/{n}.txt" for n in range(4)]
    assert first.value["isTruncated"] is True and first.value["nextMarker"] == "page/3.txt"
    rest, folders = oss.run([("list", {"prefix": "page/", "max-keys": 4, "marker": first.value["nextMarker"]}),
                             ("list", {"prefix": "page/", "delimiter": "/"})])
    assert [o["name"] for o in rest.value["objects"]] == ["page/4.txt", "page/sub/x.txt"]
    assert rest.value["isTruncated"] is False
    assert folders.value["prefixes"] == ["page/sub/"] and len(folders.value["objects"]) == 5


def test_list_v2_pages_with_continuation_token_and_start_after(oss, emulator):
    for n in range(5):
        emulator.oss_put(BUCKET, f"v2/{n}.txt", f"{n}")

    first, after = oss.run([("listV2", {"prefix": "v2/", "max-keys": 3}),
                            ("listV2", {"prefix": "v2/", "start-after": "v2/2.txt"})])
    assert first.ok, first.error
    assert [o["name"] for o in first.value["objects"]] == ["v2/0.txt", "v2/1.txt", "v2/2.txt"]
    assert first.value["isTruncated"] is True and first.value["keyCount"] == 3
    [rest] = oss.run([("listV2", {"prefix": "v2/", "max-keys": 3,
                                  "continuation-token": first.value["nextContinuationToken"]})])
    assert [o["name"] for o in rest.value["objects"]] == ["v2/3.txt", "v2/4.txt"]
    assert rest.value["isTruncated"] is False
    assert [o["name"] for o in after.value["objects"]] == ["v2/3.txt", "v2/4.txt"]


@pytest.mark.parametrize("prefix", ["dir a/", "plus+", "中文/", "100%"])
def test_list_prefixes_with_spaces_plus_chinese_and_percent(oss, emulator, prefix):
    for key in KEYS:
        emulator.oss_put(BUCKET, key, "x")

    v1, v2 = oss.run([("list", {"prefix": prefix}), ("listV2", {"prefix": prefix})])

    expected = [key for key in sorted(KEYS) if key.startswith(prefix)]
    assert v1.ok and [o["name"] for o in v1.value["objects"]] == expected, v1.error
    assert v2.ok and [o["name"] for o in v2.value["objects"]] == expected, v2.error


def test_list_prefixes_and_markers_with_sub_delims(oss, emulator):
    """ali-oss sends ``!'()*`` raw in the query; OSS's V4 canonical query re-encodes the decoded value."""
    for key in KEYS:
        emulator.oss_put(BUCKET, key, "x")

    by_prefix, by_marker = oss.run([("listV2", {"prefix": "sub-delims !'()*"}),
                                    ("list", {"prefix": "sub-delims", "marker": "sub-delims !'()"})])

    assert by_prefix.ok, by_prefix.error
    assert [o["name"] for o in by_prefix.value["objects"]] == ["sub-delims !'()*.txt"]
    assert by_marker.ok and [o["name"] for o in by_marker.value["objects"]] == ["sub-delims !'()*.txt"]


def test_a_listings_last_modified_is_the_objects_whole_second(oss, emulator):
    emulator.oss_put(BUCKET, "stamp.txt", "x")
    emulator.clock.advance(0.25)  # a stored time with a fraction of a second
    put, head, listed = oss.run([("put", {"key": "stamp.txt", "content": "y"}), ("head", {"key": "stamp.txt"}),
                                 ("list", {"prefix": "stamp.txt"})])

    assert put.ok and head.ok and listed.ok
    [entry] = listed.value["objects"]
    assert entry["lastModified"].endswith(".000Z")  # OSS answers whole seconds
    assert parsedate_to_datetime(head.value["lastModified"]).isoformat().replace("+00:00", ".000Z") == \
        entry["lastModified"]


def test_get_object_meta_answers_the_objects_headers(oss, emulator):
    etag = emulator.oss_put(BUCKET, "meta/中 文.txt", "12345")

    meta, missing = oss.run([("getObjectMeta", {"key": "meta/中 文.txt"}), ("getObjectMeta", {"key": "meta/none"})])

    assert meta.ok, meta.error
    assert (meta.value["status"], meta.value["etag"], meta.value["size"]) == (200, etag, "5")
    refused(missing, "NoSuchKey", 404)


@pytest.mark.parametrize(("config", "code"), [
    ({"accessKeySecret": "not-the-secret"}, "SignatureDoesNotMatch"),
    ({"accessKeyId": "LTAI5tNobodyHasThisKey01"}, "InvalidAccessKeyId"),
])
def test_a_wrong_secret_or_unknown_key_is_refused(oss, emulator, config, code):
    put, got = oss.run([("put", {"key": "refused.txt", "content": "x"}),
                        ("get", {"key": "elements/SMS/Default/e.json"})], **config)

    refused(put, code, 403)
    refused(got, code, 403)
    assert emulator.oss_get(BUCKET, "refused.txt") is None


def test_a_missing_bucket_is_no_such_bucket(node):
    [outcome] = node.run("oss", [("get", {"key": "x"})], bucket="no-such-bucket")
    refused(outcome, "NoSuchBucket", 404)
