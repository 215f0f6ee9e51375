"""``make dev``: the emulator seeded from ``examples/``, and how to send a message to it."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from emulator.seeds import load_seed
from emulator.testing import EmulatorServer, serve_until_signalled

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "examples" / "emulator-seed.json"
ELEMENTS = ROOT / "examples" / "elements"

WALKTHROUGH = """\
sms-fc local stack
  emulator (Dysmsapi):  {endpoint}
  outbox:               {endpoint}/_emulator/sms/messages
  elements:             {elements}

Send a message through the SMS.Default element (in another terminal):

  export SMS_DYSMS_ENDPOINT={endpoint}
  {python} -c 'from shared import App
print(App.from_env().getElement("SMS.Default").sendMessage(
    ["13800138000"], {{"code": "1234"}}, "SMS_100000001"))'

Then see it in the outbox:

  curl -s {endpoint}/_emulator/sms/messages

Press Ctrl-C to stop.
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make dev", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8800)
    args = parser.parse_args(argv)
    try:
        server = EmulatorServer(load_seed(str(SEED)), host=args.host, port=args.port).start()
    except OSError as error:
        print(f"make dev: cannot listen on {args.host}:{args.port}: {error} (try make dev PORT=...)", file=sys.stderr)
        return 2
    python = Path(sys.executable).relative_to(ROOT) if Path(sys.executable).is_relative_to(ROOT) else sys.executable
    serve_until_signalled(server, WALKTHROUGH.format(endpoint=server.endpoint, elements=ELEMENTS, python=python))
    return 0


if __name__ == "__main__":
    sys.exit(main())
