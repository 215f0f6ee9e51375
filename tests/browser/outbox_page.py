"""The emulator's outbox page as tests drive it (a uniquely named module, imported by name).

Everything waits with Playwright's own auto-waiting and ``expect`` (its default timeouts), never
with sleeps. ``newest_code`` is what an end-to-end test uses to read a texted verification code
off the page, the way a person reads their phone.
"""

from __future__ import annotations

import json

from playwright.sync_api import Locator, Page, expect

PATH = "/_emulator/outbox"
STATUS_VALUES = {"any": "", "waiting": "1", "failed": "2", "delivered": "3"}


class OutboxPage:
    def __init__(self, page: Page, endpoint: str) -> None:
        self.page = page
        self.endpoint = endpoint.rstrip("/")

    def open(self, poll_ms: int = 200) -> OutboxPage:
        """Load the page (refreshing every ``poll_ms``) and wait for its first successful refresh."""
        self.page.goto(f"{self.endpoint}{PATH}?poll={poll_ms}")
        expect(self.page.get_by_test_id("live")).to_have_text("live")
        return self

    @property
    def rows(self) -> Locator:
        return self.page.get_by_test_id("message-row")

    def row(self, index: int = 0) -> Locator:
        return self.rows.nth(index)

    def cell(self, name: str, index: int = 0) -> Locator:
        """``time``, ``phone``, ``sign``, ``template``, ``content`` or ``status`` of row ``index``."""
        return self.row(index).get_by_test_id(f"cell-{name}")

    @property
    def empty(self) -> Locator:
        return self.page.get_by_test_id("empty")

    def search(self, phone: str | None = None, template: str | None = None, status: str | None = None) -> None:
        """Fill the search fields that are given (``""`` clears one); ``status`` by name (``"failed"``)."""
        listing = self.page.get_by_test_id("message-rows")
        if phone is not None:
            self.page.get_by_test_id("filter-phone").fill(phone)
            expect(listing).to_have_attribute("data-phone", phone)
        if template is not None:
            self.page.get_by_test_id("filter-template").fill(template)
            expect(listing).to_have_attribute("data-template", template)
        if status is not None:
            self.page.get_by_test_id("filter-status").select_option(STATUS_VALUES[status])
            expect(listing).to_have_attribute("data-status", STATUS_VALUES[status])

    def show_full_numbers(self, show: bool = True) -> None:
        self.page.get_by_test_id("show-phones").set_checked(show)

    def open_detail(self, index: int = 0) -> Locator:
        self.row(index).click()
        detail = self.page.get_by_test_id("detail")
        expect(detail).to_be_visible()
        return detail

    def detail_field(self, name: str) -> Locator:
        """A field of the open detail: ``phone``, ``signName``, ``templateCode``, ``content``, ``status``,
        ``sentAt``, ``receivedAt``, ``bizId``, ``outId``, ``requestId``."""
        return self.page.get_by_test_id("detail").get_by_test_id(f"detail-{name}")

    def detail_param(self, name: str) -> Locator:
        """The value of template parameter ``name`` in the open detail."""
        return self.page.locator(f'[data-testid="detail-param"][data-name={json.dumps(name)}]')

    def chaos_switch(self, switch_id: str) -> Locator:
        return self.page.get_by_test_id(f"chaos-{switch_id}")

    def set_chaos_switch(self, switch_id: str, on: bool) -> None:
        """Flip a chaos switch and wait until the emulator has the new rules."""
        with self.page.expect_response(lambda response: response.url.endswith("/_emulator/chaos")
                                       and response.request.method == "PUT"):
            self.chaos_switch(switch_id).set_checked(on)
        expect(self.chaos_switch(switch_id)).to_be_enabled()

    def clear_all(self) -> None:
        self.page.get_by_test_id("clear-all").click()

    @property
    def push_rows(self) -> Locator:
        """Receipt and reply pushes, newest first."""
        return self.page.get_by_test_id("push-row")

    def push_cell(self, name: str, index: int = 0) -> Locator:
        """``time``, ``kind``, ``items``, ``status``, ``attempts`` or ``next`` of push row ``index``."""
        return self.push_rows.nth(index).get_by_test_id(f"push-{name}")

    def reply(self, phone: str, content: str, sign: str = "") -> Locator:
        """Fill and submit the "Reply as a user" form; returns the result line (wait on its text)."""
        self.page.get_by_test_id("reply-phone").fill(phone)
        self.page.get_by_test_id("reply-content").fill(content)
        self.page.get_by_test_id("reply-sign").fill(sign)
        self.page.get_by_test_id("reply-send").click()
        return self.page.get_by_test_id("reply-result")


def newest_code(page: Page, phone: str | None = None, param: str = "code", count: int | None = None) -> str:
    """The verification code in the newest message on an open outbox page, as the page shows it.

    Searches for ``phone`` when given, waits (live updates, no reload) until a message is listed,
    or exactly ``count`` when given, opens the newest one and reads its template parameter
    ``param``, checking that the rendered text shows the same code.
    """
    outbox = OutboxPage(page, "")
    if phone is not None:
        outbox.search(phone=phone)
    if count is None:
        expect(outbox.row(0)).to_be_visible()
    else:
        expect(outbox.rows).to_have_count(count)
    outbox.open_detail(0)
    value = outbox.detail_param(param)
    expect(value).to_have_count(1)
    code = value.inner_text().strip()
    expect(outbox.detail_field("content")).to_contain_text(code)
    return code
