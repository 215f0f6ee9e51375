"""Settle possibly-delivered sends: ask Aliyun whether each message exists, and record the truth.

A send whose answer was lost is logged with its numbers ``unknown`` and sealed. For each such
record (oldest first) the numbers are opened and each is looked up with ``QuerySendDetails`` by
our ``OutId`` (:mod:`shared.reconcile.listing`):

- listed: ``submitted``, ``delivered`` or ``failed``, as Aliyun says;
- not listed, and the grace period (``SMS_RECONCILE_GRACE_SECONDS``) has passed since the send:
  ``not_sent`` — Aliyun lists an accepted message within seconds, so one it never listed was
  never accepted;
- not listed yet within the grace period: left ``unknown`` for the next run.

A number a receipt already settled is never changed (the store keeps that rule). Once no number
is ``unknown``, the store drops the sealed numbers. A record that cannot be settled now (Aliyun or
KMS failing, its element gone) is put off (:func:`put_off`), so that it never holds up the others.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import TYPE_CHECKING, Any

from shared import log
from shared.errors import SmsError
from shared.reconcile.listing import find_listing
from shared.sms.phones import mask_phone
from shared.sms.send_log import phone_lookup
from shared.store.message_log import NOT_SENT, UNKNOWN, SendRecord, Settlement

if TYPE_CHECKING:
    from shared.elements.element import Host  # an App, or what an element sees of it

BATCH = 100  # records per run; the timer comes back for the rest
PUT_OFF_SECONDS = (900.0, 86400.0)  # a record that failed waits half its age, within these bounds


def reconcile(app: Host, *, now: float | None = None) -> dict[str, int]:
    """One run over the unresolved records; returns counts (``found``, ``not_sent``, ``pending``, ``failed``)."""
    now = app.store.clock() if now is None else now
    counts: Counter[str] = Counter()
    for record in app.store.unresolved_sends(created_before=now, limit=BATCH):
        with log.bound(outId=record.message_id, element=record.element):
            try:
                counts.update(reconcile_record(app, record, now=now))
            except SmsError as error:  # this record waits; the others go on, and the next runs take newer ones
                counts["failed"] += 1
                log.error("reconcile.failed", errorCode=error.code, providerCode=error.provider_code,
                          problem=log.mask_numbers(error.message))
                put_off(app, record, now=now)
    log.info("reconcile.done", **counts)
    return dict(counts)


def put_off(app: Host, record: SendRecord, *, now: float) -> None:
    """Leave a record that failed out of the next runs for half its age (15 min to a day): one that
    fails for good (its element removed, its AccessKey revoked) comes back ever more rarely, and
    never holds up the newer records behind it."""
    shortest, longest = PUT_OFF_SECONDS
    try:
        app.store.put_off(record.message_id, until=now + min(longest, max(shortest, (now - record.created_at) / 2)))
    except SmsError as error:  # it stays first in line until the store answers again
        log.warning("reconcile.put_off failed", errorCode=error.code, problem=error.message)


def reconcile_record(app: Host, record: SendRecord, *, now: float) -> Counter[str]:
    """Look each unknown number of ``record`` up and store what is now known about it."""
    counts: Counter[str] = Counter()
    if record.sealed_numbers is None:
        return counts
    phones: list[str] = app.vault.open(json.loads(record.sealed_numbers), context=f"send-log:{record.message_id}")
    unknown = {number.lookup for number in record.numbers if number.status == UNKNOWN}
    gateway = app.getElement(record.element).gateway  # the AccessKey that sent it
    settlements = []
    for phone in phones:
        lookup = phone_lookup(app.vault, phone)
        if lookup not in unknown:
            continue
        settlement = verdict(gateway, phone, lookup, record, now=now, grace=app.settings.reconcile_grace_seconds)
        outcome = "pending" if settlement is None else ("found" if settlement.status != NOT_SENT else "not_sent")
        counts[outcome] += 1
        log.info("reconcile.number", phone=mask_phone(phone), outcome=outcome)
        if settlement is not None:
            settlements.append(settlement)
    if settlements:
        app.store.settle_send(record.message_id, settlements)
    return counts


def verdict(gateway: Any, phone: str, lookup: str, record: SendRecord, *, now: float,
            grace: float) -> Settlement | None:
    """What Aliyun's listing says of one number: as listed, ``not_sent`` once the grace period
    passed without a listing, else None (still unknown)."""
    listing = find_listing(gateway, phone, record.message_id, sent_at=record.created_at, now=now)
    if listing is not None:
        return Settlement(lookup, listing.status, listing.err_code)
    return Settlement(lookup, NOT_SENT) if now - record.created_at >= grace else None


def handle(event: Any, context: Any) -> str:
    """The timer function's entry: one run, its counts as JSON."""
    from shared.elements.runtime import app_for

    with log.bound(requestId=str(getattr(context, "request_id", "") or ""), function="reconciler"):
        return json.dumps(reconcile(app_for(context)))
