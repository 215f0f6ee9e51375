"""approval_notify (EventBridge rule target, MNS queue trigger, async invoke): SMS to approvers or CC recipients."""

from shared.fc import coldstart

coldstart.pause()  # imports and the first request run without the cyclic GC (shared/fc/coldstart.py)

from shared.approvals.notifications import handle  # noqa: E402


def handler(event, context):
    try:
        return handle(event, context)
    finally:
        coldstart.resume()
