"""``python -m emulator.fc``: the local FC runtime's MNS queues from a terminal (``make dev`` runs it).

    python -m emulator.fc mns send QUEUE (--file FILE | --body TEXT) [--base64]
    python -m emulator.fc dlq list [QUEUE]
    python -m emulator.fc dlq redrive [QUEUE] [--message-id ID]

``--base64`` sends the body base64-encoded, as MNS clients do by default. Without a QUEUE, ``dlq``
works on every dead-letter queue (a trigger's ``deadLetterQueue`` or a function's on-failure
destination). ``--endpoint`` is the local runtime (default ``http://127.0.0.1:8801``, ``make dev``'s
``FC_PORT``). Prints the answer's JSON; exits 1 when the runtime refuses (its error on stderr).
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
from pathlib import Path
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import quote
from urllib.request import Request, urlopen

DEFAULT_ENDPOINT = "http://127.0.0.1:8801"


class CliError(Exception):
    pass


def call(endpoint: str, method: str, path: str, body: bytes | None = None) -> Any:
    request = Request(endpoint.rstrip("/") + path, data=body, method=method,
                      headers={"Content-Type": "text/plain; charset=utf-8"} if body is not None else {})
    try:
        with urlopen(request, timeout=30) as answer:
            return json.loads(answer.read())
    except HTTPError as refused:
        raise CliError(f"{refused.code}: {refused.read().decode('utf-8', errors='replace')}") from None
    except URLError as down:
        raise CliError(f"cannot reach the local FC runtime at {endpoint}: {down.reason} (is make dev running?)") \
            from None


def dead_letter_queues(endpoint: str, queue: str | None) -> list[str]:
    if queue:
        return [queue]
    return [q["name"] for q in call(endpoint, "GET", "/_mns/queues")["queues"] if q["deadLetterQueueOf"]]


def run(args: argparse.Namespace) -> Any:
    endpoint = args.endpoint
    if args.command == "mns":
        text = args.body if args.body is not None else Path(args.file).read_text(encoding="utf-8")
        if args.base64:
            text = base64.b64encode(text.encode("utf-8")).decode("ascii")
        return call(endpoint, "POST", f"/_mns/queues/{quote(args.queue, safe='')}/messages", text.encode("utf-8"))
    queues = dead_letter_queues(endpoint, args.queue)
    if args.action == "list":
        return {name: call(endpoint, "GET", f"/_mns/queues/{quote(name, safe='')}/messages")["messages"]
                for name in queues}
    suffix = f"?messageId={quote(args.message_id, safe='')}" if args.message_id else ""
    return {name: call(endpoint, "POST", f"/_mns/queues/{quote(name, safe='')}/redrive{suffix}")["redriven"]
            for name in queues}


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m emulator.fc", description="The local FC runtime's MNS queues.")
    parser.add_argument("--endpoint", default=DEFAULT_ENDPOINT, help=f"the local runtime (default {DEFAULT_ENDPOINT})")
    commands = parser.add_subparsers(dest="command", required=True)
    mns = commands.add_parser("mns", help="send a message to a local MNS queue")
    mns.add_argument("send", choices=["send"])
    mns.add_argument("queue")
    body = mns.add_mutually_exclusive_group(required=True)
    body.add_argument("--file", help="the message body is this file's text")
    body.add_argument("--body", help="the message body")
    mns.add_argument("--base64", action="store_true", help="base64-encode the body, as MNS clients do")
    dlq = commands.add_parser("dlq", help="dead-letter queues: list or redrive their messages")
    dlq.add_argument("action", choices=["list", "redrive"])
    dlq.add_argument("queue", nargs="?", help="one queue (default: every dead-letter queue)")
    dlq.add_argument("--message-id", help="redrive only this message")
    for sub in (mns, dlq):  # --endpoint also after the command
        sub.add_argument("--endpoint", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        result = run(args)
    except (CliError, OSError) as error:
        print(f"python -m emulator.fc: {error}", file=sys.stderr)
        return 1
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
