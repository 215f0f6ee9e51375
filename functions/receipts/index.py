"""receipts (HTTP trigger): Aliyun's HTTP batch push of delivery receipts (``POST /report/<token>``)
and replies (``POST /up/<token>``)."""

from shared.fc import coldstart

coldstart.pause()  # imports and the first request run without the cyclic GC (shared/fc/coldstart.py)

from shared.fc.http import serve  # noqa: E402
from shared.fc.receipts import ROUTES  # noqa: E402


def handler(event, context):
    try:
        return serve(event, context, ROUTES, function="receipts")
    finally:
        coldstart.resume()
