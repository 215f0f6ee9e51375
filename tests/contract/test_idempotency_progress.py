"""Idempotency records, release and progress hand-over: one contract, every store."""

import pytest
from store_support import KEY, LEASE, RESPONSE, TTL, claim

from shared.store import Claim

# -- release and progress -------------------------------------------------------------------


def test_release_without_progress_frees_the_key_for_any_request(store):
    token = claim(store, fingerprint="fp-a").token
    assert store.release(KEY, token) is True
    again = claim(store, fingerprint="fp-b")
    assert again.status == "claimed"
    assert again.progress is None


def test_release_with_progress_hands_it_to_the_next_claimant_at_once(store):
    token = claim(store).token
    assert store.release(KEY, token, progress={"sent": ["13800138000"]})
    nxt = claim(store)  # no waiting for the lease
    assert nxt.status == "claimed"
    assert nxt.progress == {"sent": ["13800138000"]}


def test_released_progress_binds_the_fingerprint(store):
    token = claim(store, fingerprint="fp-a").token
    store.release(KEY, token, progress={"sent": ["a"]})
    assert claim(store, fingerprint="fp-b") == Claim("mismatch")


def test_saved_progress_survives_a_lost_lease(store, clock):
    token = claim(store).token
    assert store.save_progress(KEY, token, {"sent": ["a"]}) is True
    assert store.save_progress(KEY, token, {"sent": ["a", "b"]}) is True
    clock.advance(LEASE)
    assert claim(store).progress == {"sent": ["a", "b"]}


def test_release_keeps_saved_progress_or_replaces_it(store):
    token = claim(store).token
    store.save_progress(KEY, token, {"sent": ["a"]})
    store.release(KEY, token)
    again = claim(store)
    assert again.progress == {"sent": ["a"]}
    store.release(KEY, again.token, progress={"sent": ["a", "b"]})
    assert claim(store).progress == {"sent": ["a", "b"]}


def test_progress_chain_until_completion(store, clock):
    first = claim(store)
    store.save_progress(KEY, first.token, {"sent": [1]})
    clock.advance(LEASE)  # the first owner crashed
    second = claim(store)
    assert second.progress == {"sent": [1]}
    store.release(KEY, second.token, progress={"sent": [1, 2], "failed": [3]})
    third = claim(store)
    assert third.progress == {"sent": [1, 2], "failed": [3]}
    assert store.complete(KEY, third.token, {"sent": [1, 2, 3]}, ttl=TTL)
    assert claim(store) == Claim("done", response={"sent": [1, 2, 3]})


def test_save_progress_without_lease_keeps_the_lease(store, clock):
    token = claim(store).token
    clock.advance(LEASE - 1)
    store.save_progress(KEY, token, {"sent": []})
    clock.advance(1)
    assert claim(store).status == "claimed"


def test_save_progress_with_lease_renews_it(store, clock):
    token = claim(store).token
    clock.advance(LEASE - 2)
    assert store.save_progress(KEY, token, {"sent": ["a"]}, lease=LEASE)
    clock.advance(5)
    assert claim(store) == Claim("in_progress", retry_after=pytest.approx(LEASE - 5))
    clock.advance(LEASE - 5)
    assert claim(store).progress == {"sent": ["a"]}


def test_renewed_lease_extends_the_record_past_its_ttl(store, clock):
    token = claim(store, ttl=20, lease=5).token
    clock.advance(4)
    store.save_progress(KEY, token, {"sent": ["a"]}, lease=30)
    clock.advance(25)  # 29 s after the claim: past the 20 s ttl, inside the renewed lease
    assert claim(store).status == "in_progress"
    assert store.complete(KEY, token, RESPONSE, ttl=TTL)


def test_taking_over_a_lost_lease_extends_the_record_by_ttl(store, clock):
    claim(store, ttl=20, lease=5)
    clock.advance(15)
    assert claim(store, ttl=20, lease=5).status == "claimed"  # lives until 35 s now
    clock.advance(15)
    assert claim(store, fingerprint="fp-b") == Claim("mismatch")
    clock.advance(5)
    assert claim(store, fingerprint="fp-b").status == "claimed"


def test_expired_record_forgets_progress(store, clock):
    token = claim(store, ttl=TTL).token
    store.release(KEY, token, progress={"sent": ["a"]})
    clock.advance(TTL)
    fresh = claim(store, fingerprint="fp-b")
    assert (fresh.status, fresh.progress) == ("claimed", None)


# -- values and arguments -------------------------------------------------------------------


def test_values_round_trip_as_json(store):
    progress = {"sent": ["13800138000"], "nested": {"n": 1.5, "none": None, "flag": False}, "text": "审批 ✓"}
    token = claim(store).token
    store.release(KEY, token, progress=progress)
    token = claim(store).token
    store.complete(KEY, token, {"empty": {}, "list": [], **progress}, ttl=TTL)
    assert claim(store).response == {"empty": {}, "list": [], **progress}


def test_empty_progress_is_no_progress_the_key_is_free_for_any_request(store):
    token = claim(store, fingerprint="fp-a").token
    store.save_progress(KEY, token, {"sending": True})
    assert store.release(KEY, token, progress={})  # clears what was saved: nothing happened
    fresh = claim(store, fingerprint="fp-b")
    assert (fresh.status, fresh.progress) == ("claimed", None)


@pytest.mark.parametrize("ttl, lease", [(0, 10), (10, 0), (-1, 10), (10, float("nan"))])
def test_durations_must_be_positive(store, ttl, lease):
    with pytest.raises(ValueError, match="positive"):
        store.claim(KEY, "fp", ttl=ttl, lease=lease)


def test_arguments_are_checked_before_anything_is_stored(store):
    with pytest.raises(ValueError):
        store.claim("", "fp", ttl=TTL, lease=LEASE)
    token = claim(store).token
    with pytest.raises(TypeError):
        store.complete(KEY, token, ["not", "a", "dict"], ttl=TTL)
    with pytest.raises(ValueError):
        store.complete(KEY, token, RESPONSE, ttl=0)
    with pytest.raises(ValueError):
        store.save_progress(KEY, token, {}, lease=-1)
    assert store.complete(KEY, token, RESPONSE, ttl=TTL)


def test_store_is_a_context_manager_and_answers_ping(store_url, clock):
    from shared.store import open_store

    with open_store(store_url, clock=clock) as opened:
        assert opened.ping() is None
        assert opened.claim(KEY, "fp", ttl=TTL, lease=LEASE).status == "claimed"
