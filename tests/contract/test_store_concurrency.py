"""Check-and-update is atomic: threads, store objects and processes racing for one key."""

import multiprocessing
import queue
import time
from collections import Counter

from store_support import claim_keys, race

THREADS = 16
TTL, LEASE = 100.0, 10.0


def statuses(claims):
    return Counter(claim.status for claim in claims)


def collect(results, workers, *, timeout):
    """One report per worker; fails fast when a worker dies without reporting."""
    reports, deadline = [], time.monotonic() + timeout
    while len(reports) < len(workers):
        try:
            reports.append(results.get(timeout=0.2))
        except queue.Empty:
            dead = [worker.exitcode for worker in workers if worker.exitcode not in (None, 0)]
            assert not dead, f"a worker process failed with exit code {dead[0]}"
            assert time.monotonic() < deadline, "worker processes did not report in time"
    return reports


def test_threads_racing_on_one_store_claim_once(store):
    claims = race(lambda _: store.claim("k", "fp", ttl=TTL, lease=LEASE), THREADS)
    assert statuses(claims) == {"claimed": 1, "in_progress": THREADS - 1}


def test_two_stores_on_one_url_behave_as_one(shared_url, open_stores):
    first, second = open_stores(shared_url, 2)
    token = first.claim("k", "fp", ttl=TTL, lease=LEASE).token
    assert second.claim("k", "fp", ttl=TTL, lease=LEASE).status == "in_progress"
    assert second.claim("k", "other", ttl=TTL, lease=LEASE).status == "mismatch"
    assert second.save_progress("k", token, {"sent": ["a"]})
    assert second.complete("k", token, {"ok": 1}, ttl=TTL)
    assert first.claim("k", "fp", ttl=TTL, lease=LEASE).response == {"ok": 1}


def test_threads_on_separate_stores_claim_once(shared_url, open_stores):
    stores = open_stores(shared_url, 4)
    for round_ in range(5):  # fresh keys, so every round races on an insert
        key = f"k{round_}"
        claims = race(lambda i, key=key: stores[i % len(stores)].claim(key, "fp", ttl=TTL, lease=LEASE), THREADS)
        assert statuses(claims) == {"claimed": 1, "in_progress": THREADS - 1}


def test_takeover_of_a_lost_lease_happens_once(shared_url, open_stores, clock):
    stores = open_stores(shared_url, 4)
    stale = stores[0].claim("k", "fp", ttl=TTL, lease=LEASE).token
    stores[0].save_progress("k", stale, {"sent": ["a"]})
    clock.advance(LEASE)
    claims = race(lambda i: stores[i % len(stores)].claim("k", "fp", ttl=TTL, lease=LEASE), THREADS)
    assert statuses(claims) == {"claimed": 1, "in_progress": THREADS - 1}
    winner = next(claim for claim in claims if claim.status == "claimed")
    assert winner.progress == {"sent": ["a"]}
    assert not stores[1].complete("k", stale, {"from": "stale"}, ttl=TTL)


def test_owner_and_racers_complete_exactly_once(shared_url, open_stores):
    stores = open_stores(shared_url, 2)
    token = stores[0].claim("k", "fp", ttl=TTL, lease=LEASE).token
    outcomes = race(lambda i: stores[i % 2].complete("k", token if i == 0 else f"forged-{i}", {"i": i}, ttl=TTL), 8)
    assert outcomes == [True] + [False] * 7
    assert stores[1].claim("k", "fp", ttl=TTL, lease=LEASE).response == {"i": 0}


def test_processes_racing_claim_each_key_once(shared_url):
    processes, keys = 3, [f"proc-{i}" for i in range(40)]
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(processes), context.Queue()
    workers = [context.Process(target=claim_keys, args=(shared_url, keys, barrier, results)) for _ in range(processes)]
    for worker in workers:
        worker.start()
    try:
        reports = collect(results, workers, timeout=60)
    finally:
        for worker in workers:
            worker.join(10)
            if worker.is_alive():
                worker.terminate()
    assert all(worker.exitcode == 0 for worker in workers)
    for index in range(len(keys)):
        assert Counter(report[index] for report in reports) == {"claimed": 1, "in_progress": processes - 1}
