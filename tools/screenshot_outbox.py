"""Take the README's picture of the outbox page: ``python -m tools.screenshot_outbox [--out docs/outbox.png]``.

Starts an in-process emulator (default seed), sends a few messages through ``SMS.Default`` from
``examples/elements`` with the real Dysmsapi SDK, lets some be delivered (and one fail), opens the
outbox page in Debian's headless Chromium through Playwright and saves a PNG with one message's
detail open. Chinese text needs a CJK font (``apt-get install fonts-wqy-microhei``); without one
the picture shows boxes.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

from emulator.seeds import default_seed
from emulator.testing import EmulatorServer
from shared import App
from shared.settings import Endpoint, Settings

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
VERIFY, NOTIFY, APPROVAL = "SMS_100000001", "SMS_100000002", "SMS_100000003"
DELIVERED = [
    ("13800138000", {"name": "张三", "order": "1024"}, NOTIFY),
    ("17000000000", {"name": "李四", "order": "2048"}, NOTIFY),  # the seed's undeliverable number
    ("13700137000", {"userNick": "王五", "processTitle": "差旅报销"}, APPROVAL),
    ("13900139000", {"code": "482913"}, VERIFY),
]
WAITING = [("13600136000", {"code": "730521"}, VERIFY)]


def has_cjk_font() -> bool:
    if shutil.which("fc-list") is None:
        return False
    found = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True, check=False)
    return bool(found.stdout.strip())


def send_all(app: App, messages: list[tuple[str, dict[str, str], str]]) -> None:
    for phone, params, template in messages:
        app.getElement("SMS.Default").sendMessage([phone], params, template)


def take(out: Path, chromium: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    with EmulatorServer(seed=default_seed()) as server:
        settings = Settings(elements_source=str(ROOT / "examples" / "elements"),
                            dysms_endpoint=Endpoint.parse(server.endpoint, "emulator"))
        app = App(settings)
        send_all(app, DELIVERED)
        server.state.clock.advance(3)  # past the seed's 2 s delivery delay
        send_all(app, WAITING)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, headless=True)
            context = browser.new_context(viewport={"width": 1280, "height": 760}, timezone_id="Asia/Shanghai")
            page = context.new_page()
            page.goto(f"{server.endpoint}/_emulator/outbox")
            rows = page.get_by_test_id("message-row")
            expect(rows).to_have_count(len(DELIVERED) + len(WAITING))
            rows.nth(1).click()
            expect(page.get_by_test_id("detail")).to_be_visible()
            out.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(out))
            browser.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.screenshot_outbox", description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "outbox.png")
    parser.add_argument("--chromium", default=CHROMIUM, help="the Chromium binary (default: %(default)s)")
    args = parser.parse_args(argv)
    if not Path(args.chromium).exists():
        print(f"no Chromium at {args.chromium}: apt-get install chromium", file=sys.stderr)
        return 2
    if not has_cjk_font():
        print("warning: no CJK font found (apt-get install fonts-wqy-microhei); Chinese will show as boxes",
              file=sys.stderr)
    take(args.out, args.chromium)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
