"""approval_notify (EventBridge rule target, MNS queue trigger, async invoke): SMS to approvers or CC recipients."""

from shared.approvals.notifications import handle


def handler(event, context):
    return handle(event, context)
