"""The verification-code operations of the store: the same contract on SQLite and on real Redis."""

import itertools

import pytest
from store_support import race

from shared.store.base import Budget, CodeIssue, SendLog, Window

POLICY = "Verify.Test"
CODE_KEY = f"{POLICY}:code:login:phone-a"
HOUR, DAY = 3600.0, 86400.0
EVENTS = itertools.count()


def phone_log(cooldown=60.0, windows=((5, HOUR), (10, DAY)), subject="phone-a"):
    return SendLog(f"{POLICY}:phone:{subject}", "phone", tuple(Window(m, s) for m, s in windows), cooldown)


def ip_log(windows=((20, HOUR),), subject="ip-a"):
    return SendLog(f"{POLICY}:ip:{subject}", "ip", tuple(Window(m, s) for m, s in windows))


def issue(store, digest="d" * 64, *, event=None, code_key=CODE_KEY, logs=None, budget=None, keep=False, ttl=300.0):
    now = store.clock()
    return CodeIssue(code_key, digest, now + ttl, now + ttl + DAY, event or f"ev-{next(EVENTS)}",
                     tuple(logs if logs is not None else (phone_log(), ip_log())), budget, keep)


def issue_now(store, *args, **kwargs):
    request = issue(store, *args, **kwargs)
    return request, store.issue_code(request)


def check(store, digest="d" * 64, code_key=CODE_KEY, max_attempts=5):
    return store.check_code(code_key, digest, max_attempts=max_attempts)


def test_the_right_digest_verifies_once(store):
    assert issue_now(store)[1].issued
    assert check(store).outcome == "verified"
    assert check(store).outcome == "not_found"


def test_nothing_issued_is_not_found(store):
    assert (check(store).outcome, check(store).attempts_left) == ("not_found", None)


def test_every_check_is_one_attempt_and_the_limit_kills_the_code(store):
    issue_now(store)
    answers = [check(store, "e" * 64, max_attempts=3) for _ in range(3)]
    assert [(a.outcome, a.attempts_left) for a in answers] == [("invalid", 2), ("invalid", 1), ("invalid", 0)]
    assert check(store, max_attempts=3).outcome == "too_many_attempts"  # even the right code: it is dead


def test_the_right_code_still_verifies_before_the_limit(store):
    issue_now(store)
    for _ in range(4):
        check(store, "e" * 64)
    assert check(store).outcome == "verified"


def test_expired_then_forgotten(store, clock):
    issue_now(store, ttl=300.0)
    clock.advance(299.0)
    assert check(store, "e" * 64).outcome == "invalid"
    clock.advance(1.0)
    assert check(store).outcome == "expired"
    clock.advance(DAY)
    assert check(store).outcome == "not_found"


def test_a_new_code_replaces_the_old_one_and_resets_attempts(store, clock):
    issue_now(store, "a" * 64)
    check(store, "e" * 64, max_attempts=2)
    clock.advance(60.0)
    assert issue_now(store, "b" * 64)[1].issued
    assert check(store, "a" * 64, max_attempts=2).attempts_left == 1  # a fresh count; the old code is gone
    assert check(store, "b" * 64, max_attempts=2).outcome == "verified"


def test_keep_previous_codes_leaves_older_ones_valid(store, clock):
    issue_now(store, "a" * 64, keep=True)
    clock.advance(60.0)
    issue_now(store, "b" * 64, keep=True)
    assert check(store, "e" * 64).attempts_left == 4
    assert check(store, "a" * 64).outcome == "verified"  # either code consumes the record
    assert check(store, "b" * 64).outcome == "not_found"


def test_keep_previous_drops_codes_as_they_expire(store, clock):
    issue_now(store, "a" * 64, keep=True, ttl=100.0)
    clock.advance(60.0)
    issue_now(store, "b" * 64, keep=True, ttl=100.0)
    clock.advance(50.0)  # a expired, b live
    assert check(store, "a" * 64).outcome == "invalid"
    assert check(store, "b" * 64).outcome == "verified"


def test_cooldown_refuses_and_says_when(store, clock):
    issue_now(store, "a" * 64)
    clock.advance(20.0)
    request, refused = issue_now(store, "b" * 64)
    assert (refused.issued, refused.limit, refused.window) == (False, "cooldown", None)
    assert refused.retry_after == pytest.approx(40.0)
    assert check(store, "a" * 64).outcome == "verified"  # a refused issue changes nothing
    clock.advance(40.0)
    assert issue_now(store, "c" * 64)[1].issued


def test_a_window_refuses_until_its_oldest_entry_ages_out(store, clock):
    logs = (phone_log(cooldown=0.0, windows=((3, HOUR),)),)
    for _ in range(3):
        assert issue_now(store, logs=logs)[1].issued
        clock.advance(100.0)
    refused = issue_now(store, logs=logs)[1]
    assert (refused.issued, refused.limit, refused.window) == (False, "phone", HOUR)
    assert refused.retry_after == pytest.approx(HOUR - 300.0)  # the first entry is 300 s old
    clock.advance(HOUR - 300.0)
    assert issue_now(store, logs=logs)[1].issued


def test_the_ip_log_counts_across_numbers(store, clock):
    for n in range(2):
        logs = (phone_log(subject=f"p{n}"), ip_log(windows=((2, HOUR),)))
        assert issue_now(store, code_key=f"{POLICY}:code:login:p{n}", logs=logs)[1].issued
    logs = (phone_log(subject="p9"), ip_log(windows=((2, HOUR),)))
    refused = issue_now(store, code_key=f"{POLICY}:code:login:p9", logs=logs)[1]
    assert (refused.limit, refused.window) == ("ip", HOUR)
    assert check(store, code_key=f"{POLICY}:code:login:p9").outcome == "not_found"


def test_the_budget_refuses_until_it_resets(store, clock):
    now = clock()
    budget = Budget(f"{POLICY}:budget:1", 2, now + 1000.0)
    for n in range(2):
        logs = (phone_log(subject=f"p{n}"),)
        assert issue_now(store, code_key=f"{POLICY}:code:login:p{n}", logs=logs, budget=budget)[1].issued
    refused = issue_now(store, code_key=f"{POLICY}:code:login:p2", logs=(phone_log(subject="p2"),), budget=budget)[1]
    assert (refused.limit, refused.retry_after) == ("budget", pytest.approx(1000.0))
    next_day = Budget(f"{POLICY}:budget:2", 2, now + 1000.0 + DAY)
    assert issue_now(store, code_key=f"{POLICY}:code:login:p2", logs=(phone_log(subject="p2"),),
                     budget=next_day)[1].issued


def test_a_cancel_with_refund_leaves_no_code_and_no_cooldown(store):
    budget = Budget(f"{POLICY}:budget:1", 1, store.clock() + 1000.0)
    request, _ = issue_now(store, budget=budget)
    store.cancel_code(request, refund=frozenset({"phone", "ip", "budget"}))
    assert check(store).outcome == "not_found"
    assert issue_now(store, "b" * 64, budget=budget)[1].issued  # cooldown, windows and budget were given back


def test_a_cancel_without_refund_keeps_the_cooldown(store):
    request, _ = issue_now(store)
    store.cancel_code(request, refund=frozenset({"ip", "budget"}))
    assert check(store).outcome == "not_found"
    assert issue_now(store, "b" * 64)[1].limit == "cooldown"


def test_a_cancel_keeps_older_codes_kept_alongside(store, clock):
    issue_now(store, "a" * 64, keep=True)
    clock.advance(60.0)
    request, _ = issue_now(store, "b" * 64, keep=True)
    store.cancel_code(request, refund=frozenset({"phone"}))
    assert check(store, "b" * 64).outcome == "invalid"
    assert check(store, "a" * 64).outcome == "verified"


def test_threads_racing_to_verify_one_code_get_one_success(shared_url, open_stores):
    stores = open_stores(shared_url, 4)
    issue_now(stores[0])
    outcomes = race(lambda i: check(stores[i % 4], max_attempts=50).outcome, 16)
    assert sorted(outcomes).count("verified") == 1
    assert set(outcomes) == {"verified", "not_found"}


def test_racing_wrong_guesses_never_exceed_the_attempt_limit(shared_url, open_stores):
    stores = open_stores(shared_url, 4)
    issue_now(stores[0])
    outcomes = race(lambda i: check(stores[i % 4], "e" * 64, max_attempts=5).outcome, 16)
    assert outcomes.count("invalid") == 5
    assert outcomes.count("too_many_attempts") == 11


def test_parallel_issues_to_one_number_respect_the_cooldown(shared_url, open_stores):
    stores = open_stores(shared_url, 4)
    results = race(lambda i: issue_now(stores[i % 4], f"{i:064x}")[1], 12)
    assert sum(result.issued for result in results) == 1
    assert {result.limit for result in results if not result.issued} == {"cooldown"}


def test_retry_after_is_for_the_limit_that_frees_up_last(store, clock):
    logs = (phone_log(cooldown=60.0, windows=((2, HOUR),)),)
    issue_now(store, logs=logs)
    clock.advance(61.0)
    issue_now(store, "b" * 64, logs=logs)
    clock.advance(10.0)  # inside the cooldown and the window is full: the window frees up last
    refused = issue_now(store, "c" * 64, logs=logs)[1]
    assert (refused.limit, refused.window) == ("phone", HOUR)
    assert refused.retry_after == pytest.approx(HOUR - 71.0)


def test_a_failed_resend_brings_the_previous_code_back(store, clock):
    issue_now(store, "a" * 64)
    check(store, "e" * 64)
    clock.advance(70.0)
    request, _ = issue_now(store, "b" * 64)
    store.cancel_code(request, refund=frozenset({"phone", "ip", "budget"}))
    assert check(store, "b" * 64).attempts_left == 3  # the old record, with its attempt count
    assert check(store, "a" * 64).outcome == "verified"


def replayed(store, monkeypatch):
    """Every script runs twice, as when redis-py retries a call whose reply was lost."""
    run = store._run_keys

    def twice(*args, **kwargs):
        run(*args, **kwargs)
        return run(*args, **kwargs)

    monkeypatch.setattr(store, "_run_keys", twice)


@pytest.mark.redis
def test_a_retried_redis_script_answers_as_the_first_run(redis_url, open_stores, monkeypatch):
    store = open_stores(redis_url)[0]
    replayed(store, monkeypatch)
    budget = Budget(f"{POLICY}:budget:1", 2, store.clock() + 1000.0)
    request, first = issue_now(store, budget=budget)
    assert first.issued  # not refused by its own cooldown
    assert check(store, "e" * 64).attempts_left == 4  # counted once
    assert check(store).outcome == "verified"  # not "not_found" on the retry
    other = issue(store, "f" * 64, code_key=f"{POLICY}:code:login:p2", logs=(phone_log(subject="p2"),),
                  budget=budget)
    assert store.issue_code(other).issued
    store.cancel_code(other, refund=frozenset({"phone", "budget"}))  # gives back one, not two
    third = issue(store, "9" * 64, code_key=f"{POLICY}:code:login:p3", logs=(phone_log(subject="p3"),), budget=budget)
    assert store.issue_code(third).issued
    fourth = issue(store, "8" * 64, code_key=f"{POLICY}:code:login:p4", logs=(phone_log(subject="p4"),), budget=budget)
    assert store.issue_code(fourth).limit == "budget"


def checks_log(subject="ip-a"):
    return SendLog(f"{POLICY}:checks:{subject}", "ip_checks", (Window(3, HOUR),))


def test_a_check_log_limits_checks_from_one_client_across_numbers(store, clock):
    issue_now(store)
    other = f"{POLICY}:code:login:phone-b"
    answers = [store.check_code(key, "e" * 64, max_attempts=5, log=checks_log())
               for key in (CODE_KEY, other, other)]  # counted for unknown numbers too
    assert [a.outcome for a in answers] == ["invalid", "not_found", "not_found"]
    clock.advance(100.0)
    refused = store.check_code(CODE_KEY, "d" * 64, max_attempts=5, log=checks_log())
    assert (refused.outcome, refused.window) == ("limited", HOUR)
    assert refused.retry_after == pytest.approx(HOUR - 100.0)
    assert store.check_code(CODE_KEY, "d" * 64, max_attempts=5, log=checks_log("ip-b")).outcome == "verified"


def test_a_limited_check_costs_the_code_no_attempt(store):
    issue_now(store)
    for _ in range(3):
        store.check_code(f"{POLICY}:code:login:elsewhere", "e" * 64, max_attempts=5, log=checks_log())
    assert store.check_code(CODE_KEY, "e" * 64, max_attempts=5, log=checks_log()).outcome == "limited"
    assert check(store, "e" * 64).attempts_left == 4


@pytest.mark.redis
def test_a_retried_check_is_entered_into_its_log_once(redis_url, open_stores, monkeypatch):
    store = open_stores(redis_url)[0]
    replayed(store, monkeypatch)
    issue_now(store)
    outcomes = [store.check_code(CODE_KEY, "e" * 64, max_attempts=9, log=checks_log()).outcome for _ in range(3)]
    assert outcomes == ["invalid"] * 3  # each entered once, so the third still fits in the window of 3


def test_a_resend_replaced_in_turn_never_comes_back_after_its_failed_send(store, clock):
    logs = (phone_log(cooldown=0.0),)
    issue_now(store, "a" * 64, logs=logs)
    b, _ = issue_now(store, "b" * 64, logs=logs)
    c, _ = issue_now(store, "c" * 64, logs=logs)
    store.cancel_code(b, refund=frozenset({"phone"}))  # b's send failed
    store.cancel_code(c, refund=frozenset({"phone"}))  # and so did c's
    assert check(store, "b" * 64).outcome == "not_found"  # b was never delivered: it must not work


def remembering(store, monkeypatch):
    """Record each script call, so a test can send one of them again later, as redis-py would."""
    calls = []
    run = store._run_keys

    def record(*args, **kwargs):
        calls.append((args, kwargs))
        return run(*args, **kwargs)

    monkeypatch.setattr(store, "_run_keys", record)
    return calls, run


@pytest.mark.redis
def test_a_check_retried_after_other_calls_still_answers_as_its_first_run(redis_url, open_stores, monkeypatch):
    store = open_stores(redis_url)[0]
    calls, run = remembering(store, monkeypatch)
    issue_now(store)
    lost = check(store, "e" * 64)  # its reply "was lost"
    args, kwargs = calls[-1]
    assert check(store, "f" * 64).attempts_left == 3  # another client's check in between
    again = run(*args, **kwargs)
    assert (again[0], again[1], lost.attempts_left) == ("invalid", 4, 4)
    assert check(store, "e" * 64).attempts_left == 2  # three checks counted, not four


@pytest.mark.redis
def test_a_not_found_check_retried_after_an_issue_does_not_count_against_the_new_code(
        redis_url, open_stores, monkeypatch):
    store = open_stores(redis_url)[0]
    calls, run = remembering(store, monkeypatch)
    assert check(store, "e" * 64, max_attempts=1).outcome == "not_found"
    args, kwargs = calls[-1]
    issue_now(store)
    assert run(*args, **kwargs) == ["not_found"]
    assert check(store, max_attempts=1).outcome == "verified"


@pytest.mark.redis
def test_a_cancel_retried_later_changes_nothing_more(redis_url, open_stores, monkeypatch, clock):
    store = open_stores(redis_url)[0]
    calls, run = remembering(store, monkeypatch)
    budget = Budget(f"{POLICY}:budget:1", 1, store.clock() + 1000.0)
    issue_now(store, "a" * 64, budget=budget)
    clock.advance(70.0)
    request, _ = issue_now(store, "a" * 64, budget=Budget(f"{POLICY}:budget:2", 5, store.clock() + 1000.0))
    store.cancel_code(request, refund=frozenset({"phone", "ip", "budget"}))  # the same code drawn again, failed
    args, kwargs = calls[-1]
    run(*args, **kwargs)
    assert check(store, "a" * 64).outcome == "verified"  # the delivered code survived the retried cancel


def kill(store, code_key=CODE_KEY, max_attempts=5):
    """Someone else's wrong guesses, until the code is dead."""
    for _ in range(max_attempts):
        check(store, "e" * 64, code_key=code_key, max_attempts=max_attempts)
    assert check(store, code_key=code_key, max_attempts=max_attempts).outcome == "too_many_attempts"


def test_a_code_killed_by_wrong_guesses_waives_the_cooldown_for_a_new_one(store, clock):
    assert issue_now(store, "a" * 64)[1].cooldown_waived is False
    kill(store)
    clock.advance(10.0)
    _, again = issue_now(store, "b" * 64)
    assert (again.issued, again.limit, again.cooldown_waived) == (True, None, True)
    assert check(store, "b" * 64).outcome == "verified"


def test_the_waiver_is_once_per_killed_code(store, clock):
    issue_now(store, "a" * 64)
    kill(store)
    assert issue_now(store, "b" * 64)[1].cooldown_waived
    clock.advance(10.0)
    refused = issue_now(store, "c" * 64)[1]  # b is live: its own cooldown holds
    assert (refused.issued, refused.limit, refused.retry_after) == (False, "cooldown", pytest.approx(50.0))
    assert check(store, "b" * 64).outcome == "verified"


def test_a_waived_issue_still_counts_in_the_windows(store, clock):
    logs = (phone_log(cooldown=60.0, windows=((2, HOUR),)),)
    issue_now(store, "a" * 64, logs=logs)
    kill(store)
    clock.advance(10.0)
    assert issue_now(store, "b" * 64, logs=logs)[1].issued
    kill(store)
    refused = issue_now(store, "c" * 64, logs=logs)[1]
    assert (refused.issued, refused.limit, refused.window) == (False, "phone", HOUR)
    assert refused.retry_after == pytest.approx(HOUR - 10.0)


def used(store):
    assert check(store).outcome == "verified"


def guessed_below_the_limit(store):
    for _ in range(4):
        check(store, "e" * 64)


def killed_for_another_purpose(store):
    kill(store, code_key=f"{POLICY}:code:register:phone-a")


def expired(store):
    store.clock.advance(50.0)  # the code's ttl below is 40 s; the cooldown runs 60 s


@pytest.mark.parametrize("state", [used, guessed_below_the_limit, killed_for_another_purpose, expired],
                         ids=lambda state: state.__name__)
def test_only_a_killed_code_for_this_purpose_waives_the_cooldown(store, state):
    issue_now(store, ttl=40.0)
    issue_now(store, "f" * 64, code_key=f"{POLICY}:code:register:phone-a", logs=(ip_log(),))  # same number
    state(store)
    refused = issue_now(store, "b" * 64)[1]
    assert (refused.issued, refused.limit, refused.cooldown_waived) == (False, "cooldown", False)


def test_a_failed_send_of_a_waived_issue_brings_the_killed_code_back_and_the_waiver(store, clock):
    issue_now(store, "a" * 64)
    kill(store)
    request, waived = issue_now(store, "b" * 64)
    assert waived.cooldown_waived
    store.cancel_code(request, refund=frozenset({"ip", "budget"}))  # Aliyun's flow control: the number's entry stays
    assert check(store, "b" * 64).outcome == "too_many_attempts"
    clock.advance(30.0)
    _, again = issue_now(store, "c" * 64)
    assert (again.issued, again.cooldown_waived) == (True, True)
    assert check(store, "c" * 64).outcome == "verified"


@pytest.mark.redis
def test_a_retried_waived_issue_answers_as_the_first_run(redis_url, open_stores, monkeypatch):
    store = open_stores(redis_url)[0]
    issue_now(store, "a" * 64)
    kill(store)
    replayed(store, monkeypatch)
    _, again = issue_now(store, "b" * 64)  # the second run would find b live, in its own cooldown
    assert (again.issued, again.cooldown_waived) == (True, True)
