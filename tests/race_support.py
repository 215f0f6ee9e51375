"""Threads released together, for tests of atomicity."""

from __future__ import annotations

import threading
from collections.abc import Callable


def race(action: Callable[[int], object], parties: int, *, timeout: float = 30.0) -> list[object]:
    """Run ``action(i)`` in ``parties`` threads released together; return results, raising the first error."""
    barrier = threading.Barrier(parties)
    results: list[object] = [None] * parties
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            barrier.wait(timeout)
            results[index] = action(index)
        except BaseException as error:  # reported to the test below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(parties)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(thread.is_alive() for thread in threads), "a racing thread hung"
    if errors:
        raise errors[0]
    return results
