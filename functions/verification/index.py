"""verification (HTTP trigger): ``POST /codes`` and ``POST /codes/verify``, called by browsers."""

from shared.fc.codes import ROUTES
from shared.fc.http import serve


def handler(event, context):
    return serve(event, context, ROUTES, function="verification")
