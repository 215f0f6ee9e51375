"""receipts (HTTP trigger): Aliyun's HTTP batch push of delivery receipts (``POST /report/<token>``)
and replies (``POST /up/<token>``)."""

from shared.fc.http import serve
from shared.fc.receipts import ROUTES


def handler(event, context):
    return serve(event, context, ROUTES, function="receipts")
