"""Fixtures for the browser tests: Debian's headless Chromium driven by Playwright, the outbox page
on the session's emulator, and an App whose SMS element points at that emulator.

Playwright never downloads a browser here (never `playwright install`): it launches
``/usr/bin/chromium`` (``apt-get install -y chromium``; ``SMS_TEST_CHROMIUM`` names another binary).
Without it the tests skip on a developer's machine and fail in CI (``CI=true``), as the Redis tests
do (tests/prerequisites.py).
"""

from __future__ import annotations

import json

import pytest
from emulator_push_support import PushReceiver
from outbox_page import OutboxPage
from prerequisites import BROWSER, chromium_executable, require

from shared import App
from shared.settings import Endpoint, Settings

SIGN = "阿里云短信测试"


@pytest.fixture(scope="session")
def browser(request):
    """One headless Chromium for the session."""
    require(request.config, BROWSER)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_executable(), headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser):
    """A fresh browser context and page; the test fails on any script error or console error."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.on("console", lambda message: problems.append(f"console: {message.text}") if message.type == "error" else None)
    try:
        yield page
    finally:
        context.close()
    assert problems == [], problems


@pytest.fixture
def outbox(page, emulator):
    """The outbox page of the session's (freshly reset) emulator, not yet opened."""
    return OutboxPage(page, emulator.endpoint)


@pytest.fixture
def app(emulator, tmp_path):
    """An App with ``SMS.Default`` on the emulator's default key: messages go through the real Dysmsapi SDK."""
    folder = tmp_path / "elements" / "SMS" / "Default"
    folder.mkdir(parents=True)
    (folder / "e.json").write_text(json.dumps({"title": "Default", "type": "SMS.Aliyun", "backendBundleEntry": "."}))
    (folder / "sms.json").write_text(json.dumps({"accessKey": emulator.access_key_id,
                                                 "accessSecret": emulator.access_key_secret, "verifySign": SIGN}))
    settings = Settings(elements_source=str(tmp_path / "elements"),
                        dysms_endpoint=Endpoint.parse(emulator.endpoint, "test"),
                        retry_base_delay_ms=0, retry_max_delay_ms=0)
    return App(settings)


@pytest.fixture
def receiver():
    """An HTTP receiver on 127.0.0.1 for the emulator's receipt and reply pushes."""
    push_receiver = PushReceiver()
    yield push_receiver
    push_receiver.close()
