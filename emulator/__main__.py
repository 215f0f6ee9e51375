"""``python -m emulator --host 127.0.0.1 --port 0 --seed FILE_OR_DIR [--seed ...]``: serve until SIGINT / SIGTERM.

``--seed`` is repeatable and merges in order; a directory is uploaded into the OSS bucket
``--bucket`` (default ``sms-fc-elements``) under ``--prefix`` (default none), see :mod:`emulator.seeds`.
"""

from __future__ import annotations

import argparse
import logging
import sys

from emulator.seeds import DEFAULT_BUCKET, load_seeds
from emulator.testing import EmulatorServer, serve_until_signalled


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m emulator", description="A local, wire-compatible Aliyun.")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port to bind; 0 picks a free one (default 0)")
    parser.add_argument("--seed", action="append", default=[], metavar="FILE_OR_DIR",
                        help="seed JSON file, or a directory of objects for --bucket; repeatable, merged in order")
    parser.add_argument("--bucket", default=DEFAULT_BUCKET,
                        help=f"OSS bucket that directory seeds go into (default {DEFAULT_BUCKET})")
    parser.add_argument("--prefix", default="", help="key prefix for directory seeds (default none)")
    parser.add_argument("--random-seed", type=int, default=0, help="seed for ids and chaos draws (default 0)")
    parser.add_argument("--log-level", default="WARNING", help="logging level on stderr (default WARNING)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), stream=sys.stderr, format="%(levelname)s %(message)s")
    try:
        seed = load_seeds(args.seed, args.bucket, args.prefix) if args.seed else None
        server = EmulatorServer(seed, host=args.host, port=args.port, random_seed=args.random_seed).start()
    except (OSError, ValueError) as error:
        print(f"emulator: {error}", file=sys.stderr, flush=True)
        return 2
    serve_until_signalled(server, f"emulator listening on {server.endpoint}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
