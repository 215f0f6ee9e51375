"""The emulator's control API from a test, over HTTP as a developer's curl reaches it."""

import json
import urllib.error
import urllib.request


def control(emulator, method, path, body=None, raw=None):
    """``/_emulator/<path>``: (HTTP status, JSON answer); ``raw`` bytes are sent as they are."""
    data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    request = urllib.request.Request(f"{emulator.endpoint}/_emulator/{path}", data=data, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())
