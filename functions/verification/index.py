"""verification (HTTP trigger): ``POST /codes`` and ``POST /codes/verify``, called by browsers."""

from shared.fc import coldstart

coldstart.pause()  # imports and the first request run without the cyclic GC (shared/fc/coldstart.py)

from shared.fc.codes import ROUTES  # noqa: E402
from shared.fc.http import serve  # noqa: E402


def handler(event, context):
    try:
        return serve(event, context, ROUTES, function="verification")
    finally:
        coldstart.resume()
