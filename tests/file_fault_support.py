"""Files that turn read-only under a running store, for the SQLite fault tests.

``chmod`` does not stop root, and these tests run as root in CI. So for root a file is made
unwritable with the immutable attribute (``chattr +i``, set here with the ``FS_IOC_SETFLAGS``
ioctl): it stops root too, and it also stops writes through a memory mapping that already
exists, which is what killed WAL instances with SIGBUS. Without root, ``chmod`` does the job.
Where neither works (root without CAP_LINUX_IMMUTABLE, a file system without attributes) the
tests that need it skip, saying why.
"""

from __future__ import annotations

import array
import contextlib
import fcntl
import os
import sqlite3
import stat
import struct
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

FS_IOC_GETFLAGS = 0x80086601
FS_IOC_SETFLAGS = 0x40086602
FS_IMMUTABLE_FL = 0x00000010


def set_immutable(path: Path, on: bool) -> None:
    """``chattr +i`` / ``chattr -i``; raises OSError where that is not possible."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        flags = array.array("i", [0])
        fcntl.ioctl(fd, FS_IOC_GETFLAGS, flags, True)
        wanted = flags[0] | FS_IMMUTABLE_FL if on else flags[0] & ~FS_IMMUTABLE_FL
        if wanted != flags[0]:
            fcntl.ioctl(fd, FS_IOC_SETFLAGS, struct.pack("i", wanted))
        if on:  # write back now what the kernel writes back within seconds anyway: the next write
            os.fsync(fd)  # through a memory mapping of the file then reaches the file system
    finally:
        os.close(fd)


def immutable_unsupported(directory: Path) -> str | None:
    """Why files in ``directory`` cannot be made immutable, or None when they can."""
    probe = directory / "immutable-probe"
    probe.write_text("x")
    try:
        set_immutable(probe, True)
    except OSError as error:
        return f"cannot set the immutable attribute here ({error.strerror}): needs root with CAP_LINUX_IMMUTABLE"
    set_immutable(probe, False)
    probe.unlink()
    return None


@contextlib.contextmanager
def unwritable(*paths: Path) -> Iterator[None]:
    """``paths`` (files or directories) refuse every write, root's too, until the block ends."""
    done: list[Path] = []
    try:
        for path in paths:
            if os.geteuid() == 0:
                set_immutable(path, True)
            else:
                os.chmod(path, stat.S_IMODE(os.stat(path).st_mode) & ~0o222)
            done.append(path)
        yield
    finally:
        for path in reversed(done):
            if os.geteuid() == 0:
                set_immutable(path, False)
            else:
                os.chmod(path, stat.S_IMODE(os.stat(path).st_mode) | 0o200)


def thaw(directory: Path) -> None:
    """Clear the immutable attribute under ``directory`` (after a child that died frozen)."""
    if os.geteuid() != 0:
        return
    for path in [directory, *directory.rglob("*")]:
        with contextlib.suppress(OSError):
            set_immutable(path, False)


def read_only_connect(real_connect):
    """``sqlite3.connect`` as SQLite's unix VFS behaves when it cannot open the file for writing:
    the same file, opened read-only (``mode=ro``), without an error."""

    def connect(database, *args, uri=False, **kwargs):
        name = str(database)
        path = unquote(urlsplit(name).path) if uri else name
        return real_connect(f"{Path(os.path.abspath(path)).as_uri()}?mode=ro", *args, uri=True, **kwargs)

    return connect


def freeze_and_thaw(path: str, results) -> None:
    """Child process body: a store that works, then finds its directory and every file in it
    unwritable for a moment, then works again. Reports each operation's outcome."""
    from shared.store import StoreUnavailableError, open_store

    store = open_store(f"sqlite:///{path}")
    outcomes = [store.claim("before", "fp", ttl=60, lease=30).status]
    directory = Path(path).parent
    with unwritable(directory, *sorted(directory.iterdir())):
        try:
            outcomes.append(store.claim("during", "fp", ttl=60, lease=30).status)
        except StoreUnavailableError:
            outcomes.append("unavailable")
    outcomes.append(store.claim("after", "fp", ttl=60, lease=30).status)
    store.close()
    results.put(outcomes)


def keys_in(path: Path) -> list[str]:
    """The idempotency keys a store file holds."""
    with contextlib.closing(sqlite3.connect(path)) as db:
        return [row[0] for row in db.execute("SELECT key FROM idempotency ORDER BY key")]
