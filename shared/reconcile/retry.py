"""A retry of a possibly-delivered send acts on the truth: the send log, reconciled now if needed.

The first answer names its messages (``outId``, or each batch's in a partial send). For a retry,
each message's numbers still ``unknown`` are looked up with ``QuerySendDetails`` at once. While
any stays unknown the retry is told so (409 ``possiblyDelivered``); once all are known, the
numbers Aliyun never got are the only ones sent again, and the others are never texted twice.
The same look-up serves an approval redelivery (one message per number) and a verification
resend (the policy's last code to the number).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shared.reconcile.reconciler import reconcile_record
from shared.store.message_log import NOT_SENT, UNKNOWN, LoggedNumber, SendRecord

if TYPE_CHECKING:
    from shared.elements.element import Host  # an App, or what an element sees of it


def message_ids(first_body: Any) -> list[str]:
    """The ``OutId`` s a first (error) answer names: its own, or each batch's."""
    error = (first_body or {}).get("error") or {}
    ids = [error["outId"]] if isinstance(error.get("outId"), str) else []
    ids += [batch["outId"] for batch in error.get("batches") or [] if isinstance(batch.get("outId"), str)]
    return list(dict.fromkeys(ids))


def reconciled(app: Host, message_id: str) -> SendRecord | None:
    """The message's record, any number still ``unknown`` first asked about (``QuerySendDetails``);
    None when the log has no such message."""
    record = app.store.get_send(message_id)
    if record is not None and any(number.status == UNKNOWN for number in record.numbers):
        reconcile_record(app, record, now=app.store.clock())
        record = app.store.get_send(message_id)
    return record


def fate(app: Host, message_id: str, phone: str) -> LoggedNumber | None:
    """What the log now says of ``phone`` in one message (its status may still be ``unknown``);
    None when the log has no record of it."""
    record = reconciled(app, message_id)
    return record.number(app.vault.lookup(phone)) if record else None


def numbers_never_sent(app: Host, first_body: Any, phones: list[str]) -> list[str] | None:
    """Which of ``phones`` Aliyun never got, once every number of the first answer's messages is
    known; None while any is still unknown (or the first answer names no message)."""
    ids = message_ids(first_body)
    if not ids:
        return None
    statuses: dict[str, str] = {}
    for message_id in ids:
        record = reconciled(app, message_id)
        if record is None or any(number.status == UNKNOWN for number in record.numbers):
            return None
        statuses.update({number.lookup: number.status for number in record.numbers})
    return [phone for phone in phones if statuses.get(app.vault.lookup(phone)) == NOT_SENT]
