"""What only the SQLite store promises: files, a rollback journal, purging, and waiting for a busy writer."""

import sqlite3
import threading
import time

import pytest

from shared.store import StoreUnavailableError, open_store, sqlite_file

TTL, LEASE = 100.0, 10.0


def test_parent_directories_are_created_on_first_use(tmp_path, clock):
    path = tmp_path / "a" / "b" / "store.db"
    with open_store(f"sqlite:///{path}", clock=clock) as store:
        assert not path.exists()  # opening does no I/O
        store.ping()
    assert path.exists()


def test_relative_paths_start_at_the_working_directory(tmp_path, monkeypatch, clock):
    monkeypatch.chdir(tmp_path)
    with open_store("sqlite:///.dev/sms-fc.db", clock=clock) as store:
        store.claim("k", "fp", ttl=TTL, lease=LEASE)
    assert (tmp_path / ".dev" / "sms-fc.db").is_file()


def test_file_uses_a_rollback_journal_and_survives_reopening(tmp_path, clock):
    url = f"sqlite:///{tmp_path / 'store.db'}"
    with open_store(url, clock=clock) as store:
        token = store.claim("k", "fp", ttl=TTL, lease=LEASE).token
        store.complete("k", token, {"ok": 1}, ttl=TTL)
        assert sorted(path.name for path in tmp_path.iterdir()) == ["store.db"]  # no -wal, no -shm to map
    with sqlite3.connect(tmp_path / "store.db") as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    with open_store(url, clock=clock) as store:
        assert store.claim("k", "fp", ttl=TTL, lease=LEASE).response == {"ok": 1}


def test_a_file_left_in_wal_mode_is_converted_and_keeps_its_records(tmp_path, clock):
    path = tmp_path / "store.db"
    with open_store(f"sqlite:///{path}", clock=clock) as store:
        token = store.claim("k", "fp", ttl=TTL, lease=LEASE).token
        store.complete("k", token, {"ok": 1}, ttl=TTL)
    earlier = sqlite3.connect(path, isolation_level=None)  # as an earlier version left it
    assert earlier.execute("PRAGMA journal_mode = WAL").fetchone() == ("wal",)
    earlier.close()
    with open_store(f"sqlite:///{path}", clock=clock) as store:
        assert store.claim("k", "fp", ttl=TTL, lease=LEASE).response == {"ok": 1}
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("delete",)


def test_memory_stores_are_private():
    with open_store("sqlite:///:memory:") as a, open_store("sqlite:///:memory:") as b:
        assert a.claim("k", "fp", ttl=TTL, lease=LEASE).status == "claimed"
        assert b.claim("k", "fp", ttl=TTL, lease=LEASE).status == "claimed"


def test_claims_purge_expired_rows(tmp_path, clock):
    path = tmp_path / "store.db"
    with open_store(f"sqlite:///{path}", clock=clock) as store:
        for index in range(5):
            store.claim(f"old{index}", "fp", ttl=TTL, lease=LEASE)
        clock.advance(TTL)
        store.claim("new", "fp", ttl=TTL, lease=LEASE)
        with sqlite3.connect(path) as db:
            assert db.execute("SELECT key FROM idempotency").fetchall() == [("new",)]


def hold_write_lock(path, seconds, started):
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("BEGIN IMMEDIATE")
    started.set()
    time.sleep(seconds)
    db.execute("ROLLBACK")
    db.close()


def test_a_busy_writer_is_waited_for(tmp_path, clock):
    path = tmp_path / "store.db"
    with open_store(f"sqlite:///{path}", clock=clock) as store:
        store.ping()
        started = threading.Event()
        holder = threading.Thread(target=hold_write_lock, args=(path, 0.3, started))
        holder.start()
        started.wait(5)
        began = time.monotonic()
        assert store.claim("k", "fp", ttl=TTL, lease=LEASE).status == "claimed"
        assert time.monotonic() - began >= 0.2
        holder.join()


def test_a_writer_busy_past_the_timeout_is_store_unavailable(tmp_path, clock, monkeypatch):
    monkeypatch.setattr(sqlite_file, "BUSY_TIMEOUT_MS", 100)
    path = tmp_path / "store.db"
    with open_store(f"sqlite:///{path}", clock=clock) as store:
        store.ping()
        started = threading.Event()
        holder = threading.Thread(target=hold_write_lock, args=(path, 1.0, started))
        holder.start()
        started.wait(5)
        with pytest.raises(StoreUnavailableError, match="locked") as caught:
            store.claim("k-13800138000", "fp", ttl=TTL, lease=LEASE)
        assert caught.value.code == 46003 and "13800138000" not in str(caught.value)
        holder.join()
        assert store.claim("k", "fp", ttl=TTL, lease=LEASE).status == "claimed"  # nothing was left half-done


def test_an_unusable_path_is_store_unavailable(tmp_path, clock):
    (tmp_path / "file").write_text("not a directory")
    store = open_store(f"sqlite:///{tmp_path / 'file' / 'store.db'}", clock=clock)
    with pytest.raises(StoreUnavailableError):
        store.ping()
    store.close()
