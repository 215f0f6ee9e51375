"""The send log (``MessageLog``): the same contract on SQLite and on real Redis."""


import pytest
import redis

from shared.store.message_log import (
    EARLY_RECEIPT_SECONDS,
    LoggedNumber,
    Receipt,
    ReceiptCounts,
    SendRecord,
    Settlement,
)

DAY = 86400.0
TTL = 7 * DAY
A, B, C = "lookup-a", "lookup-b", "lookup-c"


def record(store, message_id="m1", numbers=(A, B), status="submitted", *, biz_id="biz-1", sealed=None, ago=0.0):
    logged = tuple(LoggedNumber(lookup, f"138****000{i}", status) for i, lookup in enumerate(numbers))
    return SendRecord(message_id, "SMS.Default", "SMS_100000001", "api_key:orders", store.clock() - ago, logged,
                      biz_id=biz_id, request_id="req-1", sealed_numbers=sealed)


def statuses(found):
    return {number.lookup: (number.status, number.err_code) for number in found.numbers}


def receipt(lookup=A, *, success=True, err_code="DELIVERED", out_id="m1", biz_id=None):
    return Receipt(lookup, success, err_code, 1_700_000_100.0, biz_id=biz_id, out_id=out_id)


def test_a_logged_send_reads_back_as_written(store):
    written = record(store, sealed="sealed-blob", status="unknown")
    store.log_send(written, ttl=TTL)
    assert store.get_send("m1") == written
    assert store.get_send("m2") is None


def test_writing_the_same_id_again_replaces_the_record_and_its_index(store):
    store.log_send(record(store, numbers=(A, B)), ttl=TTL)
    store.log_send(record(store, numbers=(C,)), ttl=TTL)
    assert [n.lookup for n in store.get_send("m1").numbers] == [C]
    assert store.sends_to(A, since=0) == []
    assert [r.message_id for r in store.sends_to(C, since=0)] == ["m1"]


def test_sends_to_a_number_newest_first_from_since_with_a_limit(store, clock):
    for i, numbers in enumerate([(A,), (B,), (A, B), (A,)]):
        store.log_send(record(store, f"m{i}", numbers), ttl=TTL)
        clock.advance(10)
    first = store.get_send("m0").created_at
    assert [r.message_id for r in store.sends_to(A, since=0)] == ["m3", "m2", "m0"]
    assert [r.message_id for r in store.sends_to(A, since=first + 20)] == ["m3", "m2"]  # at or after since
    assert [r.message_id for r in store.sends_to(A, since=first + 21)] == ["m3"]
    assert [r.message_id for r in store.sends_to(A, since=0, limit=1)] == ["m3"]
    assert [r.message_id for r in store.sends_to(B, since=0)] == ["m2", "m1"]
    assert store.sends_to(C, since=0) == []


def test_sends_to_keeps_the_limit_for_the_elements_asked_for(store, clock):
    """A key limited to some elements gets its own newest messages, however many others are newer."""
    store.log_send(record(store, "own"), ttl=TTL)
    for i in range(5):
        clock.advance(1)
        store.log_send(record(store, f"other{i}")._replace(element="SMS.Other"), ttl=TTL)
    assert [r.message_id for r in store.sends_to(A, since=0, limit=2, elements={"SMS.Default"})] == ["own"]
    assert [r.message_id for r in store.sends_to(A, since=0, limit=2, elements=["SMS.Other", "SMS.Default"])] == [
        "other4", "other3"]
    assert store.sends_to(A, since=0, elements=frozenset()) == []
    assert len(store.sends_to(A, since=0, limit=2)) == 2  # no element limit


def test_records_end_with_their_ttl_by_the_store_s_clock(store, clock):
    store.log_send(record(store, "short", status="unknown"), ttl=100)
    store.log_send(record(store, "long", status="unknown"), ttl=TTL)
    clock.advance(99)
    assert store.get_send("short") is not None
    clock.advance(1)
    assert store.get_send("short") is None
    assert [r.message_id for r in store.sends_to(A, since=0)] == ["long"]
    assert [r.message_id for r in store.unresolved_sends(created_before=clock() + 1)] == ["long"]
    assert store.apply_receipts([receipt(out_id="short")]) == ReceiptCounts(held=1)  # as if not written yet
    assert store.settle_send("short", [Settlement(A, "not_sent")]) is None
    clock.advance(TTL)
    assert store.get_send("long") is None and store.sends_to(A, since=0) == []


def test_a_receipt_settles_its_number_by_out_id(store, clock):
    store.log_send(record(store), ttl=TTL)
    clock.advance(5)
    counts = store.apply_receipts([receipt(A), receipt(B, success=False, err_code="MOBILE_NOT_ON_SERVICE")])
    assert counts == ReceiptCounts(applied=2)
    found = store.get_send("m1")
    assert statuses(found) == {A: ("delivered", "DELIVERED"), B: ("failed", "MOBILE_NOT_ON_SERVICE")}
    assert {n.updated_at for n in found.numbers} == {clock()}
    assert all(n.by_receipt for n in found.numbers)


def test_a_receipt_without_out_id_is_found_by_biz_id(store):
    store.log_send(record(store, biz_id="900619746936498440^0"), ttl=TTL)
    assert store.apply_receipts([receipt(out_id=None, biz_id="900619746936498440^0")]) == ReceiptCounts(applied=1)
    assert statuses(store.get_send("m1"))[A] == ("delivered", "DELIVERED")
    # an out_id naming nothing of ours still falls back to the BizId
    assert store.apply_receipts([receipt(B, out_id="elsewhere", biz_id="900619746936498440^0")]).applied == 1


def test_a_replayed_receipt_changes_nothing(store, clock):
    store.log_send(record(store), ttl=TTL)
    store.apply_receipts([receipt(A)])
    before = store.get_send("m1")
    clock.advance(60)
    assert store.apply_receipts([receipt(A), receipt(A)]) == ReceiptCounts(unchanged=2)
    assert store.get_send("m1") == before


def test_a_settled_number_never_moves_back(store):
    store.log_send(record(store), ttl=TTL)
    assert store.apply_receipts([receipt(A), receipt(A, success=False, err_code="UNDELIV")]) == ReceiptCounts(
        applied=1, unchanged=1)  # in one batch too
    assert statuses(store.get_send("m1"))[A] == ("delivered", "DELIVERED")
    store.settle_send("m1", [Settlement(A, "not_sent"), Settlement(B, "submitted")])
    assert statuses(store.get_send("m1")) == {A: ("delivered", "DELIVERED"), B: ("submitted", None)}


def test_unknown_receipts_are_counted(store):
    store.log_send(record(store), ttl=TTL)
    counts = store.apply_receipts([receipt(out_id="nope"), receipt(out_id=None, biz_id="nope"), receipt(C),
                                   receipt(out_id=None), receipt(A)])
    assert counts == ReceiptCounts(applied=1, unknown=3, held=1)  # "nope" may be a record not written yet
    assert store.apply_receipts([]) == ReceiptCounts()


def test_a_receipt_that_comes_before_its_record_settles_it_once_written(store, clock):
    """A send's record rides with its request's outcome, a moment after the send: Aliyun's receipt can come first."""
    assert store.apply_receipts([receipt(A), receipt(A, success=False, err_code="UNDELIV")]) == ReceiptCounts(held=2)
    clock.advance(2)
    store.log_send(record(store), ttl=TTL)
    found = store.get_send("m1")
    assert statuses(found) == {A: ("delivered", "DELIVERED"), B: ("submitted", None)}  # the first receipt wins
    assert found.number(A).by_receipt and found.number(A).updated_at == clock() - 2  # when it came
    store.log_send(record(store), ttl=TTL)  # held receipts apply once: a rewrite starts from what it is given
    assert statuses(store.get_send("m1"))[A] == ("submitted", None)


def test_a_held_receipt_waits_for_its_record_only_so_long(store, clock):
    store.apply_receipts([receipt(A)])
    clock.advance(EARLY_RECEIPT_SECONDS)
    store.log_send(record(store), ttl=TTL)
    assert statuses(store.get_send("m1"))[A] == ("submitted", None)


def test_a_receipt_overrules_the_reconciler(store):
    store.log_send(record(store, status="unknown", sealed="blob"), ttl=TTL)
    store.settle_send("m1", [Settlement(A, "not_sent"), Settlement(B, "not_sent")])
    assert store.apply_receipts([receipt(A)]).applied == 1  # Aliyun's word: it was sent after all
    assert statuses(store.get_send("m1"))[A] == ("delivered", "DELIVERED")


def test_unresolved_sends_list_unknown_numbers_oldest_first(store, clock):
    store.log_send(record(store, "late", status="unknown", sealed="x"), ttl=TTL)
    store.log_send(record(store, "early", status="unknown", sealed="x", ago=60), ttl=TTL)
    store.log_send(record(store, "fine"), ttl=TTL)
    now = clock()
    assert [r.message_id for r in store.unresolved_sends(created_before=now + 1)] == ["early", "late"]
    assert [r.message_id for r in store.unresolved_sends(created_before=now)] == ["early"]  # strictly before
    assert [r.message_id for r in store.unresolved_sends(created_before=now + 1, limit=1)] == ["early"]


def test_settle_send_applies_verdicts_and_drops_the_sealed_numbers_once_resolved(store, clock):
    store.log_send(record(store, status="unknown", sealed="sealed-blob"), ttl=TTL)
    clock.advance(30)
    half = store.settle_send("m1", [Settlement(A, "submitted"), Settlement(C, "failed", "nobody")])
    assert statuses(half) == {A: ("submitted", None), B: ("unknown", None)}
    assert half.sealed_numbers == "sealed-blob"  # B still needs asking about
    assert [r.message_id for r in store.unresolved_sends(created_before=clock() + 1)] == ["m1"]
    done = store.settle_send("m1", [Settlement(B, "not_sent")])
    assert statuses(done) == {A: ("submitted", None), B: ("not_sent", None)}
    assert done.sealed_numbers is None and store.get_send("m1") == done
    assert store.unresolved_sends(created_before=clock() + 1) == []
    assert store.get_send("m1").numbers[1].updated_at == clock()


def test_a_late_verdict_never_overwrites_one_already_recorded(store, clock):
    """A reconciler run that read "not listed" before a retry found the message must not undo it."""
    store.log_send(record(store, status="unknown", sealed="sealed-blob"), ttl=TTL)
    store.settle_send("m1", [Settlement(A, "submitted")])  # a retry asked Aliyun first
    late = store.settle_send("m1", [Settlement(A, "not_sent"), Settlement(B, "not_sent")])
    assert statuses(late) == {A: ("submitted", None), B: ("not_sent", None)}
    assert store.settle_send("m1", [Settlement(B, "submitted")]).numbers[1].status == "not_sent"


def test_receipts_settling_every_unknown_number_drop_the_sealed_numbers(store, clock):
    store.log_send(record(store, status="unknown", sealed="sealed-blob"), ttl=TTL)
    store.apply_receipts([receipt(A)])
    assert store.get_send("m1").sealed_numbers == "sealed-blob"
    store.apply_receipts([receipt(B, success=False, err_code="UNDELIV")])
    assert store.get_send("m1").sealed_numbers is None
    assert store.unresolved_sends(created_before=clock() + 1) == []


def test_a_record_without_unknown_numbers_keeps_nothing_sealed(store):
    store.log_send(record(store, sealed="sealed-blob"), ttl=TTL)
    assert store.get_send("m1").sealed_numbers is None


def test_unicode_and_empty_fields_survive(store):
    written = record(store, numbers=())._replace(element="SMS.订单", biz_id=None, request_id=None)
    store.log_send(written, ttl=TTL)
    assert store.get_send("m1") == written


def test_ttl_must_be_positive(store):
    with pytest.raises(ValueError):
        store.log_send(record(store), ttl=0)


@pytest.fixture
def redis_store(redis_url, open_stores):
    return open_stores(redis_url)[0]


def evalsha_calls(client):
    return int(client.info("commandstats").get("cmdstat_evalsha", {}).get("calls", 0))


@pytest.mark.redis
def test_every_send_log_operation_is_one_redis_round_trip(redis_store, redis_url, monkeypatch):
    """The client sends one command (EVALSHA) and the server counts one EVALSHA (its commandstats
    also count the commands a script runs, so only the EVALSHA count says what came in)."""
    raw = redis.Redis.from_url(redis_url)
    store = redis_store
    sent = []
    execute = store._client.execute_command
    monkeypatch.setattr(store._client, "execute_command", lambda *args, **kw: sent.append(args[0]) or execute(
        *args, **kw))
    batch = [receipt(A), receipt(B), receipt(C, out_id="m2")] * 30
    operations = [
        lambda: store.log_send(record(store, numbers=tuple(f"l{i}" for i in range(200)) + (A, B)), ttl=TTL),
        lambda: store.log_send(record(store, "m2", (C,), "unknown", sealed="x"), ttl=TTL),
        lambda: store.get_send("m1"),
        lambda: store.sends_to(A, since=0),
        lambda: store.apply_receipts(batch),
        lambda: store.unresolved_sends(created_before=store.clock() + 1),
        lambda: store.settle_send("m2", [Settlement(C, "not_sent")]),
    ]
    try:
        for operation in operations:
            operation()  # loads its script
            before = evalsha_calls(raw)
            sent.clear()
            operation()
            assert (sent, evalsha_calls(raw) - before) == (["EVALSHA"], 1)
    finally:
        raw.close()


def test_completing_an_idempotency_record_writes_the_sends_it_carries(store):
    """The send log rides with the idempotency record (one round trip on Redis), on both stores."""
    token = store.claim("k", "fp", ttl=TTL, lease=60).token
    first, second = record(store, "m1", (A,)), record(store, "m2", (B,), status="unknown", sealed="blob")
    assert store.save_progress("k", token, {"sending": True}, lease=60, sends=[(first, TTL)]) is True
    assert store.get_send("m1") == first
    assert store.complete("k", token, {"status": 200}, ttl=TTL, sends=[(second, TTL)]) is True
    assert store.get_send("m2") == second
    assert [r.message_id for r in store.unresolved_sends(created_before=store.clock() + 1)] == ["m2"]


def test_the_sends_are_written_even_when_the_record_is_no_longer_ours(store):
    """The messages went out whatever became of the claim: their log is written all the same."""
    store.claim("k", "fp", ttl=TTL, lease=60)
    assert store.complete("k", "not-the-token", {"status": 200}, ttl=TTL, sends=[(record(store), TTL)]) is False
    assert store.get_send("m1") is not None


def test_a_put_off_record_is_left_out_until_then_and_comes_back_in_that_order(store, clock):
    for name in ("old", "new"):
        store.log_send(record(store, name, status="unknown"), ttl=TTL)
        clock.advance(10)
    now = clock()
    assert [r.message_id for r in store.unresolved_sends(created_before=now)] == ["old", "new"]
    store.put_off("old", until=now + 100)
    assert [r.message_id for r in store.unresolved_sends(created_before=now)] == ["new"]
    store.apply_receipts([receipt(A, out_id="old")])  # a change to the record does not bring it back early
    assert [r.message_id for r in store.unresolved_sends(created_before=now + 99)] == ["new"]
    assert [r.message_id for r in store.unresolved_sends(created_before=now + 101)] == ["new", "old"]
    store.put_off("gone", until=now + 100)  # no such record: nothing to put off
    assert [r.message_id for r in store.unresolved_sends(created_before=now + 101)] == ["new", "old"]


def test_a_rewritten_record_is_queued_by_its_new_created_at_and_no_longer_put_off(store, clock):
    store.log_send(record(store, "m1", status="unknown"), ttl=TTL)
    first = clock()
    store.put_off("m1", until=first + 1000)
    clock.advance(100)
    store.log_send(record(store, "m1", status="unknown"), ttl=TTL)  # replaced, created 100 s later
    assert [r.message_id for r in store.unresolved_sends(created_before=first + 50)] == []
    assert [r.message_id for r in store.unresolved_sends(created_before=first + 101)] == ["m1"]


def test_putting_off_a_settled_record_does_nothing(store, clock):
    store.log_send(record(store, "m1", numbers=(A,), status="unknown"), ttl=TTL)
    store.apply_receipts([receipt(A, out_id="m1")])  # settled: no longer unresolved
    now = clock()
    store.put_off("m1", until=now + 1000)
    store.log_send(record(store, "m1", numbers=(A,), status="unknown"), ttl=TTL)
    assert [r.message_id for r in store.unresolved_sends(created_before=now + 1)] == ["m1"]
