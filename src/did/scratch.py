"""The engine's temporary directories, and sweeping those a killed run left behind.

Every run removes its own scratch when it ends, but a process killed part-way (out of
memory, a timeout, a deploy) cannot: its extracted zip members, spooled records or
Parquet files, which hold patient records, stay in the temporary folder. Each folder is
therefore tied to the process that made it: it holds an owner file (`host:pid`) that the
process keeps locked (flock) for as long as the folder is in use. The kernel drops the lock
the moment the process dies, however it dies, so a sweep can tell a dead run's folder
(removed at once, whatever its age) from a live one (never removed, however old), with no
clock and no guess about how long a run may take. `portal worker` sweeps at start and
`portal resume-submissions` whenever it runs. A folder with no owner file (or where file
locks are unavailable) is removed once it has been unchanged for STALE_AFTER.
"""

import os
import shutil
import socket
import tempfile
import time
from datetime import timedelta
from enum import Enum
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows (did validate offline): no owner locks, the age rule only
    fcntl = None  # type: ignore[assignment]

READ = "did-read-"  # a zip member extracted, a file re-encoded
RECORDS = "did-records-"  # validated records spooled to Parquet
FIRED = "did-fired-"  # records on which a rule fired, from a whole-file scan
KEYS = "did-keys-"  # every record's DIDS071 key, for the few whose hash repeats
PUBLISH = "did-publish-"  # a release being built
OUTCOME = "did-outcome-"  # the issues and records a validation writes for the portal
PREFIXES = (READ, RECORDS, FIRED, KEYS, PUBLISH, OUTCOME)
OWNER_FILE = ".owner"
# For folders without an owner file: far longer than any run (a 10-million-record file
# validates in under a minute).
STALE_AFTER = timedelta(hours=24)


class Owner(Enum):
    ALIVE = "alive"  # the process that made the folder holds its lock
    GONE = "gone"  # nobody holds it: the process ended without removing the folder
    UNKNOWN = "unknown"  # no owner file (yet), or no file locks here


class OwnedDirectory(tempfile.TemporaryDirectory):
    """A TemporaryDirectory whose owner file this process keeps locked until cleanup."""

    def __init__(self, prefix: str):
        super().__init__(prefix=prefix)
        self._owner = _hold(Path(self.name))

    def cleanup(self) -> None:
        if self._owner is not None:
            self._owner.close()  # releases the lock
            self._owner = None
        super().cleanup()


def directory(prefix: str) -> tempfile.TemporaryDirectory:
    return OwnedDirectory(prefix)


def _hold(folder: Path):
    """Create and lock the folder's owner file; None where there are no file locks."""
    if fcntl is None:
        return None
    handle = (folder / OWNER_FILE).open("w", encoding="ascii")  # noqa: SIM115 - held open
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:  # a file system without locks: the age rule applies
        handle.close()
        return None
    handle.write(f"{socket.gethostname()}:{os.getpid()}\n")
    handle.flush()
    return handle


def owner(folder: Path) -> Owner:
    """Whether the process that made `folder` is still using it."""
    if fcntl is None:
        return Owner.UNKNOWN
    try:
        handle = (folder / OWNER_FILE).open("r", encoding="ascii")
    except OSError:  # no owner file: made before owner files, or a moment ago
        return Owner.UNKNOWN
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return Owner.ALIVE
        except OSError:
            return Owner.UNKNOWN
        return Owner.GONE  # the lock goes with the handle


def _last_change(folder: Path) -> float:
    """The latest modification time of the folder or anything directly in it."""
    times = [folder.stat().st_mtime]
    times += [entry.stat().st_mtime for entry in folder.iterdir()]
    return max(times)


def sweep_stale(older_than: timedelta = STALE_AFTER, folder: Path | None = None) -> list[Path]:
    """Remove the engine's temporary folders whose run has ended; return them: at once when
    the process that made one is gone, after `older_than` unchanged when it is unknown."""
    folder = Path(folder or tempfile.gettempdir())
    cutoff = time.time() - older_than.total_seconds()
    removed = []
    for entry in folder.iterdir():
        if not (entry.name.startswith(PREFIXES) and entry.is_dir() and not entry.is_symlink()):
            continue
        try:
            state = owner(entry)
            if state is Owner.ALIVE:
                continue
            if state is Owner.UNKNOWN and _last_change(entry) >= cutoff:
                continue
        except OSError:  # removed meanwhile by its own run
            continue
        shutil.rmtree(entry, ignore_errors=True)
        removed.append(entry)
    return removed
