"""Calls OSS through the legacy ``oss2`` SDK, signing with V1 (``oss2.Auth``) or V4 (``oss2.AuthV4``).

Run by tests/conformance/python_support.py in a subprocess that sees only the standard library and
the pinned clients. Reads ``{"client": {...}, "calls": [...]}`` as JSON on stdin and prints one
JSON result per call: ``{"ok": true, ...}``, ``{"ok": false, "status", "code", "message",
"requestId"}`` from the SDK's OssError, or ``{"ok": false, "exception"}`` when the SDK failed otherwise.

Calls (``op`` and the SDK method's own keyword arguments): ``put`` (key, data), ``get`` (key),
``meta`` (key: get_object_meta), ``exists`` (key: object_exists), ``head`` (key), ``delete`` (key),
``list`` (list_objects), ``list_v2`` (list_objects_v2), ``iterate`` / ``iterate_v2`` (every key
through ObjectIterator / ObjectIteratorV2, which page with markers / continuation tokens).
"""

import json
import sys

import oss2

REGION = "cn-hangzhou"
META_HEADERS = ("etag", "content-length", "last-modified", "x-oss-request-id")


def bucket_for(options, name):
    if options["version"] == "v4":
        auth = oss2.AuthV4(options["key_id"], options["secret"])
    else:
        auth = oss2.Auth(options["key_id"], options["secret"])
    return oss2.Bucket(auth, f"http://{options['netloc']}", name, region=REGION, connect_timeout=10)


def listing(result):
    return {"keys": [entry.key for entry in result.object_list],
            "lastModified": [entry.last_modified for entry in result.object_list],
            "etags": [entry.etag for entry in result.object_list],
            "prefixes": list(result.prefix_list), "truncated": result.is_truncated}


def put(bucket, key, data):
    result = bucket.put_object(key, data.encode("utf-8"))
    return {"etag": result.etag, "requestId": result.request_id}


def get(bucket, key):
    result = bucket.get_object(key)  # oss2 checks the x-oss-hash-crc64ecma of what it reads
    return {"data": result.read().decode("utf-8"), "etag": result.etag, "lastModified": result.last_modified}


def meta(bucket, key):
    result = bucket.get_object_meta(key)
    return {"headers": {name: result.headers.get(name) for name in META_HEADERS},
            "size": result.content_length, "etag": result.etag, "lastModified": result.last_modified}


def exists(bucket, key):
    return {"exists": bucket.object_exists(key)}


def head(bucket, key):
    result = bucket.head_object(key)
    return {"size": result.content_length, "etag": result.etag, "contentType": result.content_type}


def delete(bucket, key):
    return {"status": bucket.delete_object(key).status}


def list_v1(bucket, **options):
    result = bucket.list_objects(**options)
    return {**listing(result), "nextMarker": result.next_marker}


def list_v2(bucket, **options):
    result = bucket.list_objects_v2(**options)
    return {**listing(result), "nextContinuationToken": result.next_continuation_token}


def iterate(bucket, **options):
    return {"keys": [entry.key for entry in oss2.ObjectIterator(bucket, **options)]}


def iterate_v2(bucket, **options):
    return {"keys": [entry.key for entry in oss2.ObjectIteratorV2(bucket, **options)]}


OPERATIONS = {"put": put, "get": get, "meta": meta, "exists": exists, "head": head, "delete": delete,
              "list": list_v1, "list_v2": list_v2, "iterate": iterate, "iterate_v2": iterate_v2}


def run(options, call):
    arguments = dict(call)
    operation = OPERATIONS[arguments.pop("op")]
    bucket = bucket_for(options, arguments.pop("bucket", options["bucket"]))
    try:
        return {"ok": True, **operation(bucket, **arguments)}
    except oss2.exceptions.OssError as error:
        return {"ok": False, "status": error.status, "code": error.code, "message": error.message,
                "requestId": error.request_id}
    except Exception as error:  # noqa: BLE001 — the SDK failing on what it read is a result to report
        return {"ok": False, "exception": f"{type(error).__name__}: {error}"}


def main():
    job = json.load(sys.stdin)
    json.dump([run(job["client"], call) for call in job["calls"]], sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
