"""send_sms (HTTP trigger): ``POST /messages`` for trusted callers with an API key."""

from shared.fc import coldstart

coldstart.pause()  # imports and the first request run without the cyclic GC (shared/fc/coldstart.py)

from shared.fc.http import serve  # noqa: E402
from shared.fc.messages import ROUTES  # noqa: E402


def handler(event, context):
    try:
        return serve(event, context, ROUTES, function="send_sms")
    finally:
        coldstart.resume()
