"""reconciler (timer trigger, also on demand): settle possibly-delivered sends against QuerySendDetails."""

from shared.reconcile.reconciler import handle


def handler(event, context):
    return handle(event, context)
