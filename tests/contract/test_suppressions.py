"""The opt-out list (``suppress`` / ``suppressed``): the same contract on SQLite and on real Redis."""

import pytest

SIGN = "阿里云短信测试"
A, B, C = "lookup-a" * 4, "lookup-b" * 4, "lookup-c" * 4


def test_nothing_is_suppressed_at_first(store):
    assert store.suppressed(SIGN, [A, B]) == set()
    assert store.suppressed(SIGN, []) == set()


def test_a_suppressed_number_is_found_and_only_it(store):
    assert store.suppress(SIGN, A) is True
    assert store.suppressed(SIGN, [A, B, C]) == {A}
    assert store.suppressed(SIGN, [B, C]) == set()


def test_suppressing_again_changes_nothing(store, clock):
    assert store.suppress(SIGN, A) is True
    clock.advance(3600)
    assert store.suppress(SIGN, A) is False
    assert store.suppressed(SIGN, [A, A, B]) == {A}


def test_the_list_is_per_signature(store):
    store.suppress(SIGN, A)
    store.suppress("Other", B)
    assert store.suppressed(SIGN, [A, B]) == {A}
    assert store.suppressed("Other", [A, B]) == {B}
    assert store.suppressed(SIGN + "x", [A, B]) == set()


def test_entries_never_expire(store, clock):
    store.suppress(SIGN, A)
    clock.advance(400 * 86400)
    assert store.suppressed(SIGN, [A]) == {A}


def test_signatures_may_hold_any_characters(store):
    sign = "{tag}:*?[x] \\n"
    store.suppress(sign, A)
    assert store.suppressed(sign, [A]) == {A}
    assert store.suppressed("{tag}", [A]) == set()


def test_long_lists_are_answered_whole(store):
    many = [f"lookup-{i:05d}" for i in range(2_500)]
    for lookup in many[::500]:
        store.suppress(SIGN, lookup)
    assert store.suppressed(SIGN, many) == set(many[::500])


@pytest.mark.parametrize("sign", ["", "s" * 65, None])
def test_a_bad_signature_is_refused(store, sign):
    with pytest.raises(ValueError):
        store.suppress(sign, A)
    with pytest.raises(ValueError):
        store.suppressed(sign, [A])


def test_an_empty_lookup_is_refused(store):
    with pytest.raises(ValueError):
        store.suppress(SIGN, "")


def test_two_stores_on_one_url_share_the_list(shared_url, open_stores):
    first, second = open_stores(shared_url, n=2)
    first.suppress(SIGN, A)
    assert second.suppressed(SIGN, [A, B]) == {A}


# -- on Redis: the key, one round trip, an outage ---------------------------------------------


@pytest.fixture
def redis_store(redis_url, open_stores):
    return open_stores(redis_url)[0]


@pytest.mark.redis
def test_on_redis_one_hash_per_signature_holds_no_number(redis_store, redis_url):
    import redis

    redis_store.suppress(SIGN, A)
    raw = redis.Redis.from_url(redis_url, decode_responses=True)
    try:
        assert raw.keys("*") == [f"sms-fc:supp:{{{SIGN}}}"]  # the signature is the cluster hash tag
        assert list(raw.hgetall(f"sms-fc:supp:{{{SIGN}}}")) == [A]
    finally:
        raw.close()


@pytest.mark.redis
def test_on_redis_each_operation_is_one_round_trip(redis_store, monkeypatch):
    sent = []
    original = redis_store._client.execute_command

    def counting(*args, **options):
        sent.append(args[0])
        return original(*args, **options)

    monkeypatch.setattr(redis_store._client, "execute_command", counting)
    redis_store.suppress(SIGN, A)
    assert sent == ["HSETNX"]
    sent.clear()
    assert redis_store.suppressed(SIGN, [f"lookup-{i}" for i in range(1_000)] + [A]) == {A}
    assert sent == ["HMGET"]


@pytest.mark.redis
def test_on_redis_an_unreachable_server_is_store_unavailable(clock):
    from redis_support import free_port

    from shared.store import StoreUnavailableError, open_store

    with open_store(f"redis://127.0.0.1:{free_port()}/0", clock=clock) as store:
        for operation in (lambda: store.suppress(SIGN, A), lambda: store.suppressed(SIGN, [A])):
            with pytest.raises(StoreUnavailableError):
                operation()
