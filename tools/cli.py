"""``python -m tools.cli invoke <function> --event FILE [--endpoint URL] [--async]``.

Invokes a function through FC's invoke API with the ``fc2`` SDK (PyPI ``aliyun-fc2``, in the dev
extras), exactly as a deployed FC function is invoked: against ``make dev``'s emulator by
default (``http://127.0.0.1:8800``), or a real endpoint (``https://<AccountID>.<region>.fc.aliyuncs.com``).
The AccessKey comes from ``--access-key-id`` / ``--access-key-secret`` / ``--security-token`` or
``ALIBABA_CLOUD_ACCESS_KEY_ID`` / ``ALIBABA_CLOUD_ACCESS_KEY_SECRET`` / ``ALIBABA_CLOUD_SECURITY_TOKEN``.

Prints the function's result on stdout and the request id on stderr. Exit status: 0 when the
function returned, 1 when it raised or FC refused the call (the error on stderr), 2 for bad usage.
It only talks HTTP: nothing here knows the emulator.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

DEFAULT_ENDPOINT = "http://127.0.0.1:8800"
DEFAULT_SERVICE = "sms-fc"  # s.yaml's name; FC 3.0 functions have no service, FC 2.0's path needs one


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tools.cli", description="sms-fc developer commands.")
    commands = parser.add_subparsers(dest="command", required=True)
    invoke = commands.add_parser("invoke", help="invoke a function through FC's API with the fc2 SDK")
    invoke.add_argument("function", help="the function (s.yaml resource name or functionName)")
    invoke.add_argument("--event", type=Path, required=True, help="a file whose bytes are the event (events/*.json)")
    invoke.add_argument("--endpoint", default=DEFAULT_ENDPOINT, help=f"FC's endpoint (default {DEFAULT_ENDPOINT})")
    invoke.add_argument("--service", default=DEFAULT_SERVICE, help=f"FC 2.0 service name (default {DEFAULT_SERVICE})")
    invoke.add_argument("--async", dest="asynchronous", action="store_true",
                        help="invoke asynchronously (X-Fc-Invocation-Type: Async): FC answers 202 and retries")
    invoke.add_argument("--access-key-id", default=None)
    invoke.add_argument("--access-key-secret", default=None)
    invoke.add_argument("--security-token", default=None)
    return parser.parse_args(argv)


def credentials(args: argparse.Namespace) -> tuple[str, str, str]:
    key_id = args.access_key_id or os.environ.get("ALIBABA_CLOUD_ACCESS_KEY_ID")
    secret = args.access_key_secret or os.environ.get("ALIBABA_CLOUD_ACCESS_KEY_SECRET")
    if not key_id or not secret:
        raise SystemExit("tools.cli: no AccessKey: pass --access-key-id and --access-key-secret or set "
                         "ALIBABA_CLOUD_ACCESS_KEY_ID / ALIBABA_CLOUD_ACCESS_KEY_SECRET (make dev prints them)")
    return key_id, secret, args.security_token or os.environ.get("ALIBABA_CLOUD_SECURITY_TOKEN") or ""


def describe_error(error: Any) -> str:
    """``FunctionNotFound: ...`` from an ``fc2.FcError`` (its message is FC's JSON error body)."""
    try:
        body = json.loads(error.message)
    except (TypeError, ValueError):
        return str(error.message)
    code = body.get("ErrorCode") or body.get("errorType") or ""
    message = body.get("ErrorMessage") or body.get("errorMessage") or ""
    return f"{code}: {message}" if code else str(message)


def invoke(args: argparse.Namespace) -> int:
    try:
        import fc2
    except ImportError:
        print("tools.cli: the fc2 SDK is missing: pip install aliyun-fc2 (it is in the dev extras)", file=sys.stderr)
        return 2
    try:
        payload = args.event.read_bytes()
    except OSError as error:
        print(f"tools.cli: cannot read {args.event}: {error.strerror}", file=sys.stderr)
        return 2
    key_id, secret, token = credentials(args)
    client = fc2.Client(endpoint=args.endpoint, accessKeyID=key_id, accessKeySecret=secret, securityToken=token)
    headers = {"x-fc-invocation-type": "Async" if args.asynchronous else "Sync"}
    try:
        response = client.invoke_function(args.service, args.function, payload=payload, headers=headers)
    except fc2.FcError as error:
        where = "the function raised" if error.status_code == 200 else f"FC answered {error.status_code}"
        print(f"tools.cli: {where}: {describe_error(error)} (request id {error.request_id})", file=sys.stderr)
        return 1
    except (OSError, ValueError) as error:  # requests' connection errors are OSErrors; a bad URL a ValueError
        print(f"tools.cli: cannot reach {args.endpoint}: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    request_id = response.headers.get("X-Fc-Request-Id", "")
    if args.asynchronous:
        print(f"accepted: request id {request_id}", file=sys.stderr)
        return 0
    print(f"request id {request_id}", file=sys.stderr)
    sys.stdout.write(response.data.decode("utf-8", "replace") + "\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    return invoke(args)


if __name__ == "__main__":
    sys.exit(main())
