"""Deterministic identifiers drawn from a seedable ``random.Random``."""

from __future__ import annotations

import random
import threading


class Ids:
    """RequestIds, BizIds and OSS-style request ids; the same seed gives the same sequence.

    Example
    -------
    >>> Ids(7).request_id() == Ids(7).request_id()
    True
    """

    def __init__(self, seed: int = 0) -> None:
        self._seed = seed
        self._random = random.Random(seed)
        self._lock = threading.Lock()

    def reseed(self, seed: int | None = None) -> None:
        """Restart the sequence (from ``seed`` when given, else from the current seed)."""
        with self._lock:
            if seed is not None:
                self._seed = seed
            self._random = random.Random(self._seed)

    def request_id(self) -> str:
        """An upper-case UUID-shaped id, like Aliyun's ``RequestId``."""
        with self._lock:
            value = f"{self._random.getrandbits(128):032X}"
        return f"{value[:8]}-{value[8:12]}-{value[12:16]}-{value[16:20]}-{value[20:]}"

    def biz_id(self) -> str:
        """A Dysmsapi ``BizId``: 18 digits then ``^0``."""
        with self._lock:
            number = self._random.randrange(10**17, 10**18)
        return f"{number}^0"

    def hex_id(self, length: int = 24) -> str:
        """Upper-case hex of the given length (OSS ``x-oss-request-id`` style)."""
        with self._lock:
            value = self._random.getrandbits(4 * length)
        return f"{value:0{length}X}"
