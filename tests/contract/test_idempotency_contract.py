"""Idempotency records, claiming, completing and fencing: one contract, every store (SQLite in memory,
a SQLite file, Redis). Release and progress hand-over are in test_idempotency_progress.py."""

import pytest
from store_support import KEY, LEASE, RESPONSE, TTL, claim

from shared.store import Claim

# -- claiming -------------------------------------------------------------------------------


def test_first_claim_owns_the_key(store):
    first = claim(store)
    assert first.status == "claimed"
    assert first.token and isinstance(first.token, str)
    assert (first.response, first.progress, first.retry_after) == (None, None, None)


def test_claim_while_leased_is_in_progress_until_the_lease_ends(store, clock):
    claim(store)
    clock.advance(4)
    second = claim(store)
    assert second == Claim("in_progress", retry_after=pytest.approx(LEASE - 4))
    clock.advance(LEASE - 4 - 0.001)
    assert claim(store).status == "in_progress"


def test_lease_ends_exactly_at_claim_time_plus_lease(store, clock):
    first = claim(store)
    clock.advance(LEASE)
    second = claim(store)
    assert second.status == "claimed"
    assert second.token != first.token
    assert second.progress is None  # the first owner saved nothing


def test_keys_are_independent(store):
    assert claim(store, key="a").status == "claimed"
    assert claim(store, key="b").status == "claimed"
    assert claim(store, key="a:b", fingerprint="other").status == "claimed"
    assert claim(store, key="a").status == "in_progress"


def test_keys_may_hold_any_characters(store):
    key = "approval:事件 source/with spaces:{tag}*?[x]\\n:42"
    token = claim(store, key=key).token
    assert store.complete(key, token, {"ok": True}, ttl=TTL)
    assert claim(store, key=key).response == {"ok": True}
    assert claim(store, key=key[:-1]).status == "claimed"


# -- completing -----------------------------------------------------------------------------


def test_completed_record_returns_the_first_response(store, clock):
    token = claim(store).token
    clock.advance(3)
    assert store.complete(KEY, token, RESPONSE, ttl=TTL) is True
    clock.advance(50)
    again = claim(store)
    assert again == Claim("done", response=RESPONSE)


def test_completed_record_lives_ttl_from_completion_not_from_claim(store, clock):
    token = claim(store, ttl=20).token
    clock.advance(8)
    assert store.complete(KEY, token, RESPONSE, ttl=TTL)
    clock.advance(TTL - 0.001)  # long past the claim's 20 s
    assert claim(store).status == "done"
    clock.advance(0.001)
    fresh = claim(store, fingerprint="another-body")
    assert fresh.status == "claimed"
    assert fresh.response is None


def test_completing_twice_keeps_the_first_response(store):
    token = claim(store).token
    assert store.complete(KEY, token, RESPONSE, ttl=TTL)
    assert store.complete(KEY, token, {"status": 500}, ttl=TTL) is True
    assert claim(store).response == RESPONSE


def test_complete_needs_the_owners_token(store):
    claim(store)
    assert store.complete(KEY, "not-the-token", RESPONSE, ttl=TTL) is False
    assert store.complete("no-such-key", "not-the-token", RESPONSE, ttl=TTL) is False
    assert claim(store).status == "in_progress"


def test_owner_may_complete_after_its_lease_if_nobody_took_over(store, clock):
    token = claim(store).token
    clock.advance(LEASE + 5)
    assert store.complete(KEY, token, RESPONSE, ttl=TTL)
    assert claim(store).status == "done"


def test_owner_cannot_complete_an_expired_record(store, clock):
    token = claim(store, ttl=TTL).token
    clock.advance(TTL)
    assert store.complete(KEY, token, RESPONSE, ttl=TTL) is False
    assert claim(store).status == "claimed"


# -- fingerprints ---------------------------------------------------------------------------


def test_other_fingerprint_while_in_progress_is_a_mismatch(store):
    claim(store, fingerprint="fp-a")
    assert claim(store, fingerprint="fp-b") == Claim("mismatch")


def test_other_fingerprint_after_completion_is_a_mismatch_without_the_response(store):
    token = claim(store, fingerprint="fp-a").token
    store.complete(KEY, token, RESPONSE, ttl=TTL)
    assert claim(store, fingerprint="fp-b") == Claim("mismatch")


def test_abandoned_record_binds_its_fingerprint_until_ttl(store, clock):
    claim(store, fingerprint="fp-a", ttl=TTL)
    clock.advance(LEASE + 1)  # the owner vanished: it may have sent something
    assert claim(store, fingerprint="fp-b").status == "mismatch"
    clock.advance(TTL - LEASE - 1)
    assert claim(store, fingerprint="fp-b").status == "claimed"


# -- fencing --------------------------------------------------------------------------------


def test_stale_owner_is_fenced_off_once_another_claims(store, clock):
    stale = claim(store).token
    clock.advance(LEASE)
    current = claim(store).token
    assert current != stale
    assert store.save_progress(KEY, stale, {"sent": ["a"]}) is False
    assert store.complete(KEY, stale, {"from": "stale"}, ttl=TTL) is False
    assert store.release(KEY, stale, progress={"sent": ["a"]}) is False
    assert claim(store).status == "in_progress"  # the current owner still holds the lease
    assert store.complete(KEY, current, RESPONSE, ttl=TTL)
    assert claim(store).response == RESPONSE


def test_released_token_can_no_longer_act(store):
    token = claim(store).token
    assert store.release(KEY, token, progress={"sent": ["a"]})
    assert store.release(KEY, token) is False
    assert store.save_progress(KEY, token, {"sent": ["b"]}) is False
    assert store.complete(KEY, token, RESPONSE, ttl=TTL) is False
    assert claim(store).progress == {"sent": ["a"]}


def test_done_record_cannot_be_released_or_changed(store):
    token = claim(store).token
    store.complete(KEY, token, RESPONSE, ttl=TTL)
    assert store.release(KEY, token, progress={"sent": []}) is False
    assert store.save_progress(KEY, token, {"sent": []}) is False
    assert claim(store) == Claim("done", response=RESPONSE)
