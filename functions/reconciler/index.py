"""reconciler (timer trigger, also on demand): settle possibly-delivered sends against QuerySendDetails."""

from shared.fc import coldstart

coldstart.pause()  # imports and the first request run without the cyclic GC (shared/fc/coldstart.py)

from shared.reconcile.reconciler import handle  # noqa: E402


def handler(event, context):
    try:
        return handle(event, context)
    finally:
        coldstart.resume()
