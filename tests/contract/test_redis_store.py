"""What only the Redis store promises: key layout, garbage collection, round trips, retries."""

import pytest
import redis
from store_support import FakeClock

from shared.store import StoreUnavailableError, open_store
from shared.store.redis import RedisStore

pytestmark = pytest.mark.redis

TTL, LEASE = 100.0, 10.0


@pytest.fixture
def raw(redis_url):
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    yield client
    client.close()


@pytest.fixture
def store(redis_url, open_stores):
    return open_stores(redis_url)[0]


def test_keys_carry_the_prefix_and_the_family(store, raw):
    store.claim("send_sms:k1", "fp", ttl=TTL, lease=LEASE)
    assert raw.keys("*") == ["sms-fc:idem:send_sms:k1"]


def test_prefixes_keep_deployments_apart(redis_url, clock, raw):
    with open_store(redis_url, clock=clock, prefix="a:") as a, open_store(redis_url, clock=clock, prefix="b:") as b:
        assert a.claim("k", "fp", ttl=TTL, lease=LEASE).status == "claimed"
        assert b.claim("k", "other", ttl=TTL, lease=LEASE).status == "claimed"
    assert sorted(raw.keys("*")) == ["a:idem:k", "b:idem:k"]


def test_key_expiry_only_collects_garbage_a_minute_after_the_record(store, raw, clock):
    token = store.claim("k", "fp", ttl=TTL, lease=LEASE).token
    assert (TTL + 59) * 1000 < raw.pttl("sms-fc:idem:k") <= (TTL + 60) * 1000
    clock.advance(30)
    store.complete("k", token, {"ok": 1}, ttl=1000)
    assert (1000 + 59) * 1000 < raw.pttl("sms-fc:idem:k") <= (1000 + 60) * 1000


def test_key_expiry_is_relative_so_the_callers_clock_may_differ_from_the_servers(redis_url, raw):
    for start in (1000.0, 4_000_000_000.0):  # 1970 and 2096
        with open_store(redis_url, clock=FakeClock(start)) as store:
            key = f"k{int(start)}"
            assert store.claim(key, "fp", ttl=TTL, lease=LEASE).status == "claimed"
            assert 0 < raw.pttl(f"sms-fc:idem:{key}") <= (TTL + 60) * 1000
            assert store.claim(key, "fp", ttl=TTL, lease=LEASE).status == "in_progress"


def test_decisions_use_the_stored_stamps_not_the_key_expiry(store, raw, clock):
    token = store.claim("k", "fp", ttl=TTL, lease=LEASE).token
    store.complete("k", token, {"ok": 1}, ttl=TTL)
    clock.advance(TTL)
    assert raw.exists("sms-fc:idem:k")  # still there for Redis, expired for the store
    assert store.claim("k", "fp", ttl=TTL, lease=LEASE).status == "claimed"


def count_commands(store, monkeypatch):
    sent = []
    original = store._client.execute_command

    def counting(*args, **options):
        sent.append(args[0])
        return original(*args, **options)

    monkeypatch.setattr(store._client, "execute_command", counting)
    return sent


def test_every_operation_is_one_round_trip_once_scripts_are_loaded(store, raw, monkeypatch):
    raw.script_flush()  # as on a server that never ran them
    sent = count_commands(store, monkeypatch)
    token = store.claim("k", "fp", ttl=TTL, lease=LEASE).token
    assert sent == ["EVALSHA", "SCRIPT LOAD", "EVALSHA"]  # the first run of a script on a server
    for operation in (
        lambda: store.claim("k", "fp", ttl=TTL, lease=LEASE),
        lambda: store.save_progress("k", token, {"sent": ["a"]}, lease=LEASE),
        lambda: store.complete("k", token, {"ok": 1}, ttl=TTL),
        lambda: store.release("k", token),
    ):
        operation()  # loads its script when new
        sent.clear()
        operation()
        assert sent == ["EVALSHA"]


def test_a_completion_carrying_send_log_records_is_one_round_trip(store, raw, monkeypatch):
    """``complete`` / ``save_progress`` with ``sends``: one pipeline (one round trip), also when the
    server lost its scripts (then once more after loading them, each script being idempotent)."""
    from redis.connection import Connection

    from shared.store.message_log import LoggedNumber, SendRecord

    def logged(message_id):
        return SendRecord(message_id, "SMS.Default", "SMS_100000001", "api_key:a", store.clock(),
                          (LoggedNumber("lookup-a", "138****0000"),)), TTL

    trips = []
    send = Connection.send_packed_command

    def counted(self, *args, **kwargs):
        trips.append(1)
        return send(self, *args, **kwargs)

    monkeypatch.setattr(Connection, "send_packed_command", counted)
    raw.script_flush()  # as on a server that never ran them
    token, other = (store.claim(key, "fp", ttl=TTL, lease=LEASE).token for key in ("k", "k2"))
    trips.clear()
    assert store.save_progress("k", token, {"sending": True}, sends=[logged("m0")]) is True
    assert store.complete("k2", other, {"ok": 2}, ttl=TTL, sends=[logged("m1")]) is True
    assert len(trips) == 8  # each: NOSCRIPT, SCRIPT LOAD of its two scripts, the pipeline again
    trips.clear()
    assert store.save_progress("k", token, {"sending": True}, sends=[logged("m2"), logged("m3")]) is True
    assert store.complete("k", token, {"ok": 1}, ttl=TTL, sends=[logged("m4")]) is True
    assert len(trips) == 2  # scripts loaded: one pipeline each
    assert store.complete("k", token, {"ok": 3}, ttl=TTL, sends=[logged("m5")]) is True  # a repeat keeps the first
    assert [store.get_send(m) is not None for m in ("m0", "m1", "m2", "m3", "m4", "m5")] == [True] * 6
    assert store.claim("k", "fp", ttl=TTL, lease=LEASE).response == {"ok": 1}


def test_scripts_survive_a_script_flush(store, raw):
    store.claim("k", "fp", ttl=TTL, lease=LEASE)
    raw.script_flush()
    assert store.claim("k", "fp", ttl=TTL, lease=LEASE).status == "in_progress"


def test_a_retried_claim_or_completion_recognises_itself(store, clock):
    from shared.store import redis_claim_scripts as scripts
    from shared.store.base import stamp

    now = clock()
    args = ("fp", "token-1", stamp(now + LEASE), stamp(now + TTL))
    assert store._run(scripts.CLAIM, "idem:k", now, *args)[:2] == ["claimed", "token-1"]
    assert store._run(scripts.CLAIM, "idem:k", now, *args)[:2] == ["claimed", "token-1"]  # the resend
    assert store.claim("k", "fp", ttl=TTL, lease=LEASE).status == "in_progress"
    assert store.complete("k", "token-1", {"ok": 1}, ttl=TTL)
    assert store.complete("k", "token-1", {"ok": 1}, ttl=TTL)


def test_an_unreachable_server_is_store_unavailable(clock):
    from redis_support import free_port

    with open_store(f"redis://:secret@127.0.0.1:{free_port()}/0", clock=clock) as store:
        for operation in (store.ping, lambda: store.claim("idem:13800138000", "fp", ttl=TTL, lease=LEASE)):
            with pytest.raises(StoreUnavailableError) as caught:
                operation()
            assert caught.value.code == 46003 and caught.value.http_status == 503
            assert "13800138000" not in str(caught.value) and "secret" not in str(caught.value)


def test_open_store_gives_a_redis_store_for_both_schemes():
    assert isinstance(open_store("redis://127.0.0.1:1/0"), RedisStore)
    assert isinstance(open_store("rediss://:pw@example.invalid:6380/2"), RedisStore)
