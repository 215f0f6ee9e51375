"""send_sms (HTTP trigger): ``POST /messages`` for trusted callers with an API key."""

from shared.fc.http import serve
from shared.fc.messages import ROUTES


def handler(event, context):
    return serve(event, context, ROUTES, function="send_sms")
