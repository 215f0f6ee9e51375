"""The opt-out list on Redis: one hash per signature (``supp:{<sign>}``), number lookup → epoch seconds.

``suppressed`` is one ``HMGET`` and ``suppress`` one ``HSETNX``: a round trip each, and a single
key each, so a Redis Cluster serves them from one slot.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from shared.store.base import StoreUnavailableError, stamp
from shared.store.suppressions import check_entry

SUPPRESSIONS = "supp:"


class RedisSuppressions:
    """The opt-out operations of :class:`~shared.store.redis.RedisStore`."""

    clock: Callable[[], float]
    prefix: str
    _client: Any

    def suppress(self, sign: str, lookup: str) -> bool:
        check_entry(sign, lookup)
        return bool(self._command("hsetnx", self._list_key(sign), lookup, stamp(self.clock())))

    def suppressed(self, sign: str, lookups: Collection[str]) -> set[str]:
        check_entry(sign)
        wanted = list(dict.fromkeys(lookups))
        if not wanted:
            return set()
        values = self._command("hmget", self._list_key(sign), wanted)
        return {lookup for lookup, value in zip(wanted, values, strict=True) if value is not None}

    def _list_key(self, sign: str) -> str:
        return f"{self.prefix}{SUPPRESSIONS}{{{sign}}}"

    def _command(self, name: str, *args: Any) -> Any:
        import redis

        try:
            return getattr(self._client, name)(*args)
        except redis.RedisError as error:
            raise StoreUnavailableError(f"Redis store failed: {type(error).__name__}: {error}") from error
