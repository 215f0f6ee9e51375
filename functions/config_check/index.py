"""config_check (timer trigger, also on demand): validate every element, secret, signature and template."""

from shared.checks.config_check import handle


def handler(event, context):
    return handle(event, context)
