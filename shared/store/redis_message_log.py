"""The send log on Redis: each operation one ``EVALSHA`` of a script in ``message_log_scripts``."""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from shared.store import redis_message_log_scripts as log_scripts
from shared.store.base import check_key, check_seconds, stamp
from shared.store.message_log import (
    EARLY_RECEIPT_SECONDS,
    Receipt,
    ReceiptCounts,
    SendRecord,
    Settlement,
    dump_record,
    load_record,
    receipt_status,
)

LOG = "log:{log}:"  # one hash tag for the whole send log (see redis_message_log_scripts)


class RedisMessageLog:
    """The send-log operations of :class:`~shared.store.redis.RedisStore`."""

    clock: Callable[[], float]
    prefix: str
    _run_keys: Callable[..., Any]

    def log_send(self, record: SendRecord, *, ttl: float) -> None:
        self._run_keys(*self._log_send_call(record, ttl, self.clock()))

    def _log_send_call(self, record: SendRecord, ttl: float, now: float) -> tuple[Any, ...]:
        """``log_send`` as a script call (source, keys, now, args…), to run alone or in a pipeline."""
        check_key(record.message_id)
        check_seconds(ttl=ttl)
        expires_at = now + ttl
        return self._log_call(log_scripts.LOG_SEND, now, dump_record(record, expires_at=expires_at),
                              record.message_id, stamp(record.created_at), stamp(expires_at), record.biz_id or "",
                              *dict.fromkeys(number.lookup for number in record.numbers))

    def get_send(self, message_id: str) -> SendRecord | None:
        text = self._log(log_scripts.GET_SEND, self.clock(), message_id)
        return load_record(text) if text else None

    def sends_to(self, lookup: str, *, since: float, limit: int = 50,
                 elements: Collection[str] | None = None) -> list[SendRecord]:
        only = ["1", *elements] if elements is not None else ["0"]
        texts = self._log(log_scripts.SENDS_TO, self.clock(), lookup, stamp(since), limit, *only)
        return [load_record(text) for text in texts]

    def apply_receipts(self, receipts: list[Receipt]) -> ReceiptCounts:
        if not receipts:
            return ReceiptCounts()
        args: list[Any] = []
        for receipt in receipts:
            args += [receipt.out_id or "", receipt.biz_id or "", receipt.lookup, receipt_status(receipt),
                     receipt.err_code]
        now = self.clock()
        applied, unchanged, unknown, held = self._log(log_scripts.APPLY_RECEIPTS, now,
                                                      stamp(now + EARLY_RECEIPT_SECONDS), *args)
        return ReceiptCounts(int(applied), int(unchanged), int(unknown), int(held))

    def unresolved_sends(self, *, created_before: float, limit: int = 100) -> list[SendRecord]:
        texts = self._log(log_scripts.UNRESOLVED, self.clock(), stamp(created_before), limit)
        return [load_record(text) for text in texts]

    def put_off(self, message_id: str, *, until: float) -> None:
        self._log(log_scripts.PUT_OFF, self.clock(), message_id, stamp(until))

    def settle_send(self, message_id: str, settlements: list[Settlement]) -> SendRecord | None:
        args: list[Any] = []
        for settlement in settlements:
            args += [settlement.lookup, settlement.status, settlement.err_code or ""]
        text = self._log(log_scripts.SETTLE_SEND, self.clock(), message_id, *args)
        return load_record(text) if text else None

    def _log(self, source: str, now: float, *args: Any) -> Any:
        """Run a send-log script."""
        return self._run_keys(*self._log_call(source, now, *args))

    def _log_call(self, source: str, now: float, *args: Any) -> tuple[Any, ...]:
        """A send-log script call (source, keys, now, args…): the script is given the log's key prefix
        and finds its keys itself."""
        return (source, [LOG + "unresolved"], now, self.prefix + LOG, *args)
