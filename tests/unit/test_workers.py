"""shared.workers: a call's thread pool is reused by the next call, never shared by two at once."""

import subprocess
import sys
import threading
from pathlib import Path

import pytest

from shared.workers import workers

GUARD = 30  # seconds: a guard against a hang, never a measurement


def _run(name: str, count: int, tasks: int) -> set[threading.Thread]:
    """Run ``tasks`` tasks in a pool from ``workers``; the threads named ``name`` alive afterwards."""
    with workers(name, count) as pool:
        assert [future.result() for future in [pool.submit(abs, -i) for i in range(tasks)]] == list(range(tasks))
    return {thread for thread in threading.enumerate() if thread.name.startswith(name + "_")}


def test_the_next_call_reuses_the_threads_of_the_last():
    first = _run("test-reuse", 2, 2)
    later = [_run("test-reuse", 2, tasks) for tasks in (2, 5, 3, 2)]
    assert first <= later[0] <= later[1] <= later[2] <= later[3]  # the same threads, still alive
    assert len(later[3]) <= 2  # at most the pool's size, however many calls there were
    assert _run("test-other-name", 2, 2).isdisjoint(later[3])


def test_calls_at_the_same_time_each_get_a_pool_of_their_own():
    # four tasks that can only finish together: two calls of two workers each, running at once
    barrier = threading.Barrier(4, timeout=GUARD)
    seen: list[set[int]] = []

    def call():
        with workers("test-concurrent", 2) as pool:
            futures = [pool.submit(lambda: (barrier.wait(), threading.get_ident())[1]) for _ in range(2)]
            seen.append({future.result() for future in futures})

    callers = [threading.Thread(target=call) for _ in range(2)]
    for caller in callers:
        caller.start()
    for caller in callers:
        caller.join(GUARD)
    assert len(seen) == 2 and seen[0].isdisjoint(seen[1])  # a shared pool of two would break the barrier


def test_a_block_that_raises_shuts_its_pool_down_and_the_next_call_starts_anew():
    with pytest.raises(ZeroDivisionError), workers("test-raise", 1) as broken:
        broken.submit(int).result()
        1 / 0  # noqa: B018
    with pytest.raises(RuntimeError):
        broken.submit(int)  # shut down: it takes nothing more
    with workers("test-raise", 1) as pool:
        assert pool is not broken
        assert pool.submit(int, "7").result() == 7


def test_a_forked_child_starts_pools_of_its_own():
    code = """
import os, sys
from shared.workers import workers
with workers("fork", 2) as pool:
    assert pool.submit(abs, -1).result() == 1
child = os.fork()
if child == 0:
    with workers("fork", 2) as pool:
        os._exit(0 if pool.submit(abs, -2).result(timeout=20) == 2 else 1)
_, status = os.waitpid(child, 0)
sys.exit(os.waitstatus_to_exitcode(status))
"""
    result = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[2], timeout=GUARD,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
