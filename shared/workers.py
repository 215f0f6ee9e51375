"""Thread pools that a warm instance keeps between requests instead of starting threads for each.

A call that sends to several numbers at once (an approval event's approvers, a list of more than
1,000 numbers) takes a pool of ``count`` workers for itself, as a new ``ThreadPoolExecutor`` would
give it, and hands it back when every task it submitted is done: the next call reuses the pool's
threads (starting two threads and shutting them down cost ~0.2 ms an event). A pool starts a
thread only when a task finds none idle, so a call of two sends starts two threads at most.
Concurrent calls each get a pool of their own, so ``SMS_SEND_CONCURRENCY`` still bounds each call,
not their sum."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

_idle: dict[tuple[str, int], list[ThreadPoolExecutor]] = {}
_lock = threading.Lock()


def _after_fork_in_child() -> None:
    """A forked child has none of the parent's threads: a pool it inherited would queue its tasks
    forever, and the lock may have been held by a thread that is not there."""
    global _lock
    _lock = threading.Lock()
    _idle.clear()


os.register_at_fork(after_in_child=_after_fork_in_child)


@contextmanager
def workers(name: str, count: int) -> Iterator[ThreadPoolExecutor]:
    """A pool of ``count`` threads named ``name``, for this block only.

    The block must wait for everything it submits. If it raises instead, the pool is shut down
    (waiting for its tasks, as leaving ``with ThreadPoolExecutor()`` does) and not used again."""
    key = (name, count)
    with _lock:
        idle = _idle.setdefault(key, [])
        pool = idle.pop() if idle else ThreadPoolExecutor(max_workers=count, thread_name_prefix=name)
    try:
        yield pool
    except BaseException:
        pool.shutdown(wait=True)
        raise
    with _lock:
        idle.append(pool)
