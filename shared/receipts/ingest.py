"""What a push does: receipts settle the send log in one store call; opt-out replies join the opt-out list.

Both raise on anything that stored nothing (the store, KMS for the HMAC key): the route then
answers 5xx and Aliyun pushes the batch again. A repeat is harmless: a receipt never moves a
number back, and suppressing a number twice changes nothing.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any, cast

from shared import log
from shared.errors import StoreUnavailableError
from shared.receipts.items import SmsReport, SmsUp
from shared.sms.phones import mask_phone
from shared.store.message_log import MessageLog, Receipt, ReceiptCounts

if TYPE_CHECKING:
    from shared.elements.app import App


def ingest_reports(app: App, reports: list[SmsReport]) -> ReceiptCounts:
    """Settle the send log from ``reports``: ONE ``apply_receipts`` call for the whole batch."""
    if not reports:
        return ReceiptCounts()
    lookups = app.vault.lookups(report.phone_number for report in reports)
    receipts = [
        Receipt(lookup=lookup, success=report.success, err_code=report.err_code, report_time=report.report_time,
                biz_id=report.biz_id or None, out_id=report.out_id or None)
        for report, lookup in zip(reports, lookups, strict=True)
    ]
    apply = getattr(app.store, "apply_receipts", None)
    if apply is None:  # a store without the send log: stored nothing, so Aliyun must push again
        raise StoreUnavailableError("this store keeps no send log (apply_receipts): the receipts are not stored")
    counts = cast(MessageLog, app.store).apply_receipts(receipts)
    log.info("receipts.reports", receipts=len(receipts), applied=counts.applied, unchanged=counts.unchanged,
             unknown=counts.unknown, held=counts.held, delivered=sum(1 for r in reports if r.success))
    return counts


def is_opt_out(content: str, words: tuple[str, ...]) -> bool:
    """``content`` trimmed and casefolded is one of ``words`` (already casefolded)."""
    return content.strip().casefold() in words


def ingest_replies(app: App, replies: list[SmsUp]) -> dict[str, int]:
    """Put every number that replied an opt-out word on its signature's opt-out list.

    Returns counts: ``replies``, ``optOuts`` (newly on a list), ``alreadyOptedOut``,
    ``unattributed`` (an opt-out without ``sign_name``: no list to put it on). Reply texts are
    never logged (they are the user's words); only their length is.
    """
    counts: Counter[str] = Counter(replies=len(replies))
    for reply in replies:
        opt_out = is_opt_out(reply.content, app.settings.opt_out_words)
        fields: dict[str, Any] = {"phone": mask_phone(reply.phone_number),
                                  "sign": log.mask_numbers(reply.sign_name) if reply.sign_name else None,
                                  "contentChars": len(reply.content), "optOut": opt_out}
        if not opt_out:
            log.info("receipts.reply", **fields)
            continue
        if reply.sign_name is None:
            counts["unattributed"] += 1
            log.warning("receipts.opt_out_unattributed", **fields,
                        problem="an opt-out reply without sign_name: no signature's list to put the number on")
            continue
        added = app.store.suppress(reply.sign_name, app.vault.lookup(reply.phone_number))
        counts["optOuts" if added else "alreadyOptedOut"] += 1
        log.info("receipts.opt_out", **fields, added=added)
    return {key: counts[key] for key in ("replies", "optOuts", "alreadyOptedOut", "unattributed")}
