"""config_check (timer trigger, also on demand): validate every element, secret, signature and template."""

from shared.fc import coldstart

coldstart.pause()  # imports and the first request run without the cyclic GC (shared/fc/coldstart.py)

from shared.checks.config_check import handle  # noqa: E402


def handler(event, context):
    try:
        return handle(event, context)
    finally:
        coldstart.resume()
