"""The engine's temporary directories, and sweeping those a killed run left behind.

Every run removes its own scratch when it ends, but a process killed part-way (out of
memory, a timeout, a deploy) cannot: its extracted zip members, spooled records or
Parquet files stay in the temporary folder. `portal resume-submissions`, run at worker
start and from a scheduler, sweeps them.
"""

import shutil
import tempfile
import time
from datetime import timedelta
from pathlib import Path

READ = "did-read-"  # a zip member extracted, a file re-encoded
RECORDS = "did-records-"  # validated records spooled to Parquet
FIRED = "did-fired-"  # records on which a rule fired, from a whole-file scan
KEYS = "did-keys-"  # every record's DIDS071 key, for the few whose hash repeats
PUBLISH = "did-publish-"  # a release being built
PREFIXES = (READ, RECORDS, FIRED, KEYS, PUBLISH)
# Far longer than any run: a 10-million-record file validates in under a minute.
STALE_AFTER = timedelta(hours=24)


def directory(prefix: str) -> tempfile.TemporaryDirectory:
    return tempfile.TemporaryDirectory(prefix=prefix)


def _last_change(folder: Path) -> float:
    """The latest modification time of the folder or anything directly in it."""
    times = [folder.stat().st_mtime]
    times += [entry.stat().st_mtime for entry in folder.iterdir()]
    return max(times)


def sweep_stale(older_than: timedelta = STALE_AFTER, folder: Path | None = None) -> list[Path]:
    """Remove the engine's temporary directories unchanged for `older_than`; return them."""
    folder = Path(folder or tempfile.gettempdir())
    cutoff = time.time() - older_than.total_seconds()
    removed = []
    for entry in folder.iterdir():
        if not (entry.name.startswith(PREFIXES) and entry.is_dir() and not entry.is_symlink()):
            continue
        try:
            if _last_change(entry) >= cutoff:
                continue
        except OSError:  # removed meanwhile by its own run
            continue
        shutil.rmtree(entry, ignore_errors=True)
        removed.append(entry)
    return removed
