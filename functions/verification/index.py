"""verification (HTTP trigger): ``POST /codes`` and ``POST /codes/verify``, called by browsers."""

from shared.codes_api import ROUTES
from shared.fc_http import serve


def handler(event, context):
    return serve(event, context, ROUTES, function="verification")
