"""The SQLite store when its file misbehaves: read-only, failing, deleted or replaced, unwritable
under a running instance. It fails closed (StoreUnavailableError: a 503, nothing sent) while
the file is unusable, keeps no connection that cannot do its work, never writes to a file
that the path no longer names, and recovers on its own once the file is usable again."""

import multiprocessing
import os
import sqlite3

import pytest
from clock_support import FakeClock
from file_fault_support import (
    freeze_and_thaw,
    immutable_unsupported,
    keys_in,
    read_only_connect,
    thaw,
    unwritable,
)

from shared.store import StoreUnavailableError, open_store, sqlite_file

TTL, LEASE = 100.0, 10.0


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def path(tmp_path):
    return tmp_path / "state" / "store.db"


def claim(store, key):
    return store.claim(key, "fp", ttl=TTL, lease=LEASE)


def made_by_another_instance(path, clock):
    with open_store(f"sqlite:///{path}", clock=clock) as first:
        assert claim(first, "first").status == "claimed"


def unwritable_unsupported(directory):
    return immutable_unsupported(directory) if os.geteuid() == 0 else None


@pytest.fixture
def connects(monkeypatch):
    """Every connection the store opens, in order."""
    opened = []
    real = sqlite3.connect

    def connect(*args, **kwargs):
        opened.append(real(*args, **kwargs))
        return opened[-1]

    monkeypatch.setattr(sqlite3, "connect", connect)
    return opened


# -- (a) a store started while the file is read-only -------------------------------------


@pytest.mark.parametrize("way", ["file", "vfs"], ids=["file-unwritable", "vfs-read-only-fallback"])
def test_a_store_started_while_its_file_is_read_only_fails_closed_and_recovers(path, clock, way, monkeypatch):
    """SQLite opens a file it cannot write read-only, without an error, and ``BEGIN IMMEDIATE``
    then quietly becomes a read transaction: the store used to keep that connection, and every
    write failed for the rest of the instance's life. ``file``: the file really is unwritable
    (immutable for root, chmod otherwise). ``vfs``: the connection SQLite's fallback makes
    (the file opened ``mode=ro``), for machines where the first cannot be arranged."""
    made_by_another_instance(path, clock)
    if way == "file" and (reason := unwritable_unsupported(path.parent)):
        pytest.skip(reason)
    store = open_store(f"sqlite:///{path}", clock=clock)
    with monkeypatch.context() as patch:
        if way == "vfs":
            patch.setattr(sqlite3, "connect", read_only_connect(sqlite3.connect))
        with unwritable(path) if way == "file" else monkeypatch.context():
            with pytest.raises(StoreUnavailableError, match="readonly"):
                store.ping()  # a store that cannot write does not answer, even to a read
            for key in ("k1", "k2"):
                with pytest.raises(StoreUnavailableError, match="readonly"):
                    claim(store, key)
    assert claim(store, "k1").status == "claimed"  # writable again: the same store object recovers
    with open_store(f"sqlite:///{path}", clock=clock) as other:
        assert claim(other, "k1").status == "in_progress"  # and its claim is in the shared file
    store.close()
    assert keys_in(path) == ["first", "k1"]


# -- (b) a connection that hit an error is dropped ---------------------------------------


def test_a_connection_that_failed_is_dropped_and_the_next_operation_opens_a_fresh_one(path, clock, connects):
    store = open_store(f"sqlite:///{path}", clock=clock)
    assert claim(store, "a").status == "claimed"
    assert len(connects) == 1
    with open(path, "r+b") as file:  # the header overwritten under the open connection
        header = file.read(100)
        file.seek(0)
        file.write(bytes(100))
    with pytest.raises(StoreUnavailableError, match="not a database"):
        claim(store, "b")
    with open(path, "r+b") as file:
        file.write(header)
    assert claim(store, "b").status == "claimed"
    assert len(connects) == 2
    with pytest.raises(sqlite3.ProgrammingError, match="closed"):
        connects[0].execute("SELECT 1")  # the failed connection was closed, not kept or leaked
    store.close()


def hold_lock(path, statement):
    """Another process's connection holding ``statement``'s lock (``BEGIN IMMEDIATE``: the write
    lock; a read inside ``BEGIN``: a shared lock that keeps commits waiting)."""
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    db.execute(statement)
    db.execute("SELECT count(*) FROM idempotency").fetchall()
    return db


def test_a_busy_timeout_keeps_the_connection(path, clock, connects, monkeypatch):
    monkeypatch.setattr(sqlite_file, "BUSY_TIMEOUT_MS", 50)
    store = open_store(f"sqlite:///{path}", clock=clock)
    assert claim(store, "a").status == "claimed"
    holder = hold_lock(path, "BEGIN IMMEDIATE")
    with pytest.raises(StoreUnavailableError, match="locked"):
        claim(store, "b")
    holder.execute("ROLLBACK")
    holder.close()
    assert claim(store, "b").status == "claimed"
    assert len(connects) == 2  # the store's connection, then the holder's: the store kept its own
    store.close()


def test_a_commit_that_waited_too_long_leaves_no_transaction_behind(path, clock, monkeypatch):
    """With a rollback journal a commit waits for readers to finish; when they outlast the busy
    timeout, the transaction is rolled back, not left open holding the write lock."""
    monkeypatch.setattr(sqlite_file, "BUSY_TIMEOUT_MS", 50)
    store = open_store(f"sqlite:///{path}", clock=clock)
    assert claim(store, "a").status == "claimed"
    reader = hold_lock(path, "BEGIN")
    with pytest.raises(StoreUnavailableError, match="locked"):
        claim(store, "b")
    reader.execute("COMMIT")
    reader.close()
    with open_store(f"sqlite:///{path}", clock=clock) as other:
        assert claim(other, "c").status == "claimed"  # nobody holds the write lock
        assert claim(other, "b").status == "claimed"  # and the failed claim left nothing
    assert claim(store, "d").status == "claimed"
    store.close()


# -- (c) the file deleted or replaced under a running store ------------------------------


def replace(path):
    """Another store file renamed over the path, as a restore from a backup does."""
    fresh = path.with_name("restored.db")
    with open_store(f"sqlite:///{fresh}") as other:
        other.ping()
    os.replace(fresh, path)


def delete(path):
    for suffix in ("", "-journal", "-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)


def keep_orphan(path):
    """A second name for the store's file, so that the test can read it once it is orphaned."""
    orphan = path.with_name("orphan.db")
    os.link(path, orphan)
    return orphan


def test_a_replaced_file_fails_the_operation_that_notices_then_the_store_joins_the_new_file(path, clock):
    store = open_store(f"sqlite:///{path}", clock=clock)
    token = claim(store, "held").token
    orphan = keep_orphan(path)
    replace(path)
    with pytest.raises(StoreUnavailableError, match="replaced"):
        store.complete("held", token, {"ok": 1}, ttl=TTL)  # its claim lives in the orphan
    assert claim(store, "after").status == "claimed"  # on the file every new instance uses
    with open_store(f"sqlite:///{path}", clock=clock) as newcomer:
        assert claim(newcomer, "after").status == "in_progress"  # one state, not two
    store.close()
    assert keys_in(orphan) == ["held"]  # the orphan was not written, not even completed


def test_a_deleted_file_fails_closed_is_not_recreated_and_a_new_file_is_joined(path, clock):
    store = open_store(f"sqlite:///{path}", clock=clock)
    claim(store, "held")
    orphan = keep_orphan(path)
    delete(path)
    for key in ("after", "again"):
        with pytest.raises(StoreUnavailableError, match="deleted"):
            claim(store, key)
    assert not path.exists()  # no empty store that has forgotten every key
    made_by_another_instance(path, clock)  # a newly started instance starts afresh
    assert claim(store, "after").status == "claimed"
    with open_store(f"sqlite:///{path}", clock=clock) as newcomer:
        assert claim(newcomer, "after").status == "in_progress"
    store.close()
    assert keys_in(orphan) == ["held"]
    assert keys_in(path) == ["after", "first"]


WRITES = {"before": "UPDATE idempotency SET progress", "after": "UPDATE idempotency SET lease_until"}


@pytest.mark.parametrize("moment", ["before", "after"], ids=["before-its-first-write", "after-its-first-write"])
@pytest.mark.parametrize("change", [replace, delete], ids=["replaced", "deleted"])
def test_a_file_changed_during_a_transaction_is_not_written(path, clock, connects, change, moment):
    """The file goes while a transaction runs (``save_progress`` with a lease makes two writes).
    Before the first write SQLite itself refuses a moved file; after it, only the store's check
    before the commit stands between the transaction and the orphan."""
    store = open_store(f"sqlite:///{path}", clock=clock)
    token = claim(store, "held").token
    orphan = keep_orphan(path)

    def trace(statement):
        if statement.startswith(WRITES[moment]) and path.exists() and os.path.samefile(path, orphan):
            change(path)

    connects[0].set_trace_callback(trace)
    with pytest.raises(StoreUnavailableError):
        store.save_progress("held", token, {"sent": ["138****8000"]}, lease=LEASE)
    store.close()
    with sqlite3.connect(orphan) as db:
        assert db.execute("SELECT progress FROM idempotency").fetchall() == [(None,)]


# -- a running store made unwritable for a moment ----------------------------------------


def test_a_running_store_made_unwritable_fails_closed_instead_of_dying(path, tmp_path):
    """In WAL mode the store mapped the ``-shm`` file, and the first write through that mapping
    after the files became immutable killed the instance with SIGBUS. Run in a child process:
    it must report every operation (``unavailable`` while frozen), and live."""
    path.parent.mkdir(parents=True)
    if reason := unwritable_unsupported(path.parent):
        pytest.skip(reason)
    results = multiprocessing.Queue()
    child = multiprocessing.Process(target=freeze_and_thaw, args=(str(path), results))
    child.start()
    try:
        child.join(120)
        assert not child.is_alive(), "the child store hung"
        assert child.exitcode == 0, f"the store process died (exit code {child.exitcode}; -7 is SIGBUS)"
        assert results.get(timeout=10) == ["claimed", "unavailable", "claimed"]
    finally:
        if child.is_alive():
            child.kill()
            child.join(10)
        thaw(tmp_path)
