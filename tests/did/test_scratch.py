"""Temporary folders a killed run left behind are swept; live ones and others are not."""

import os
import time
from datetime import timedelta

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
