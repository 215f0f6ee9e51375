"""``make dev``: the whole service locally, on 127.0.0.1, with no account and no set-up.

- the emulator (Dysmsapi, KMS, OSS, FC's invoke API) seeded from ``examples/emulator-seed.json``,
  the function role's STS keys and ``examples/elements`` (also uploaded to
  ``oss://sms-fc-elements/elements``, which creates the bucket config_check writes its report to);
- the local FC runtime (:mod:`emulator.fc`) serving ``s.yaml``'s functions, attached to the
  emulator's invoke API; their timers on their cron; the event bus ``sms-fc-workflow``;

then prints the URLs and a walkthrough to paste into another terminal.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any
from urllib.request import Request, urlopen

from emulator.fc.events import RoleCredentials
from emulator.fc.stack import LocalStack, StackOptions
from emulator.fc.walkthrough import walkthrough
from emulator.seeds import DEFAULT_BUCKET, load_seed, load_seed_directory, merge_seeds
from emulator.testing import EmulatorServer, serve_until_signalled

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "examples" / "emulator-seed.json"
ELEMENTS = ROOT / "examples" / "elements"


def dev_seed(credentials: RoleCredentials) -> dict[str, Any]:
    """The example seed, the role's keys, and the example elements in OSS."""
    return merge_seeds(merge_seeds(load_seed(SEED), credentials.seed()),
                       load_seed_directory(ELEMENTS, DEFAULT_BUCKET, "elements"))


def clear_store(state_dir: Path) -> None:
    """Start from an empty store, as the emulator starts from its seed: otherwise codes, limits and
    approval records of an earlier run (the walkthrough's sample event among them) would carry over."""
    for suffix in ("", "-journal", "-wal", "-shm"):  # -wal, -shm: left by versions that used WAL
        (state_dir / f"sms-fc.db{suffix}").unlink(missing_ok=True)


class DevStack:
    """The emulator and the local FC side, stopped together."""

    def __init__(self, host: str, port: int, fc_port: int, state_dir: Path, *, keep_state: bool = False,
                 **stack_options: Any) -> None:
        """``stack_options``: more :class:`StackOptions` (tests: an injected clock, sleep, no threads)."""
        if not keep_state:
            clear_store(state_dir)
        credentials = RoleCredentials()
        self.seed = dev_seed(credentials)
        self.emulator = EmulatorServer(self.seed, host=host, port=port).start()
        try:
            options = StackOptions(host=host, port=fc_port, state_dir=state_dir, elements=ELEMENTS,
                                   credentials=credentials, **stack_options)
            self.functions = LocalStack(self.emulator.endpoint, options).start()
        except BaseException:
            self.emulator.stop()
            raise
        self.emulator.state.functions = self.functions.runtime
        self.push_receipts_to_functions()

    def push_receipts_to_functions(self) -> None:
        """Aliyun's HTTP push of receipts and replies, aimed at the local ``receipts`` function with the
        seed's token; a local function may start cold, so the push waits longer than Aliyun's 700 ms."""
        token = self.seed["kms"]["secrets"]["sms-fc/receipts-token"]
        base = f"{self.functions.endpoint}/receipts"
        settings = {"reportUrl": f"{base}/report/{token}", "upUrl": f"{base}/up/{token}", "timeoutMs": 10000}
        request = Request(f"{self.emulator.endpoint}/_emulator/sms/push", data=json.dumps(settings).encode(),
                          method="PUT", headers={"Content-Type": "application/json"})
        with urlopen(request, timeout=10) as answer:
            answer.read()

    def stop(self) -> None:
        self.emulator.state.functions = None
        self.functions.stop()
        self.emulator.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make dev", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8800, help="the emulator's port (0: any free one)")
    parser.add_argument("--fc-port", type=int, default=8801, help="the functions' port (0: any free one)")
    parser.add_argument("--state-dir", type=Path, default=ROOT / ".dev", help="the SQLite store's directory")
    parser.add_argument("--keep-state", action="store_true", help="keep the store of the previous run")
    args = parser.parse_args(argv)
    try:
        stack = DevStack(args.host, args.port, args.fc_port, args.state_dir, keep_state=args.keep_state)
    except OSError as error:
        print(f"make dev: cannot listen on {args.host}:{args.port}/{args.fc_port}: {error} "
              "(try make dev PORT=... FC_PORT=...)", file=sys.stderr)
        return 2
    python = Path(sys.executable)
    shown = python.relative_to(ROOT) if python.is_relative_to(ROOT) else python
    key_id, secret = next(iter(stack.seed["accessKeys"].items()))
    banner = walkthrough(stack.emulator.endpoint, stack.functions, python=str(shown), elements=ELEMENTS,
                         access_key=(key_id, secret if isinstance(secret, str) else secret["secret"]), root=ROOT)
    serve_until_signalled(stack, banner)
    return 0


if __name__ == "__main__":
    sys.exit(main())
