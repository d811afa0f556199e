"""Temporary folders a killed run left behind are swept; live ones and others are not."""

import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from did import scratch


def _folder(parent, name, age_hours, file_age_hours=None):
    folder = parent / name
    folder.mkdir()
    then = time.time() - age_hours * 3600
    if file_age_hours is not None:
        part = folder / "part-000000.parquet"
        part.write_bytes(b"x")
        file_then = time.time() - file_age_hours * 3600
        os.utime(part, (file_then, file_then))
    os.utime(folder, (then, then))
    return folder


def test_only_the_engines_folders_unchanged_for_a_day_are_removed(tmp_path):
    stale = [_folder(tmp_path, f"{prefix}abc", 25) for prefix in scratch.PREFIXES]
    live = _folder(tmp_path, "did-records-live", 2)
    still_written = _folder(tmp_path, "did-records-busy", 30, file_age_hours=0.1)
    other = _folder(tmp_path, "pytest-of-root", 100)
    named_alike = tmp_path / "did-read-a-file"
    named_alike.write_text("not a folder")
    os.utime(named_alike, (0, 0))

    removed = scratch.sweep_stale(timedelta(hours=24), folder=tmp_path)

    assert sorted(removed) == sorted(stale)
    assert not any(path.exists() for path in stale)
    assert live.exists() and still_written.exists() and other.exists() and named_alike.exists()


def test_a_run_uses_a_prefixed_folder_and_removes_it(tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(scratch.tempfile, "tempdir", None)  # read TMPDIR again
    with scratch.directory(scratch.READ) as work:
        assert os.path.dirname(work) == str(tmp_path)
        assert os.path.basename(work).startswith("did-read-")
    assert list(tmp_path.iterdir()) == []


# A process that makes a scratch folder and then waits (live) or dies without cleaning up.
_MAKE_AND_WAIT = (
    "import sys; from did import scratch; folder = scratch.directory(scratch.READ); "
    "print(folder.name, flush=True); sys.stdin.read()"
)
_MAKE_AND_DIE = (
    "import os; from did import scratch; folder = scratch.directory(scratch.RECORDS); "
    "print(folder.name, flush=True); os._exit(0)"
)


def _run(code, tmp_path, **popen):
    env = dict(os.environ, TMPDIR=str(tmp_path))
    return subprocess.Popen(
        [sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, text=True, **popen
    )


def test_a_folder_whose_process_died_is_removed_at_once(tmp_path):
    process = _run(_MAKE_AND_DIE, tmp_path)
    left = Path(process.stdout.readline().strip())
    assert process.wait(timeout=30) == 0
    assert left.is_dir() and (left / scratch.OWNER_FILE).is_file()
    assert scratch.owner(left) is scratch.Owner.GONE
    assert scratch.sweep_stale(folder=tmp_path) == [left]
    assert not left.exists()


def test_a_folder_a_live_process_holds_is_kept_however_old_until_the_process_dies(tmp_path):
    process = _run(_MAKE_AND_WAIT, tmp_path, stdin=subprocess.PIPE)
    try:
        held = Path(process.stdout.readline().strip())
        long_ago = time.time() - 3 * 24 * 3600
        os.utime(held / scratch.OWNER_FILE, (long_ago, long_ago))
        os.utime(held, (long_ago, long_ago))
        assert scratch.owner(held) is scratch.Owner.ALIVE
        assert scratch.sweep_stale(timedelta(hours=24), folder=tmp_path) == []
        assert held.is_dir()
        assert (held / scratch.OWNER_FILE).read_text().strip().endswith(f":{process.pid}")
    finally:
        process.kill()
        process.wait(timeout=30)
    assert scratch.sweep_stale(folder=tmp_path) == [held]


def test_this_process_s_own_folder_is_alive_to_a_sweep(tmp_path):
    folder = scratch.OwnedDirectory(scratch.KEYS)
    try:
        assert scratch.owner(Path(folder.name)) is scratch.Owner.ALIVE
    finally:
        folder.cleanup()
    assert not Path(folder.name).exists()
