"""The record store: atomic Parquet writes, the manifest, supersession and garbage collection."""

import os

import polars as pl
import pytest
from django.core.management import call_command

from portal.submissions import services, store
from portal.submissions.models import ManifestEntry, Status
from tests.submissions.factories import outcome, received_submission, records_frame


def _visible_parquet():
    return sorted(p.name for p in store.root().rglob("*.parquet") if "records" in p.parts)


def test_an_atomic_write_leaves_the_complete_file_and_its_hash(db):
    target = store.root() / "records" / "RX1" / "2026-10" / "x.parquet"
    written = store.write_parquet(records_frame(5), target)
    assert written.path == target
    assert written.sha256 == store.sha256_of(target)
    assert pl.read_parquet(target).height == 5
    assert [p.name for p in target.parent.iterdir()] == ["x.parquet"]


def test_a_write_that_fails_part_way_leaves_no_file_at_all(db):
    target = store.root() / "records" / "RX1" / "2026-10" / "x.parquet"

    def half_write(temp):
        temp.write_bytes(b"PAR1 partial")
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        store.write_atomically(target, half_write)
    assert list(target.parent.iterdir()) == []


def test_a_failed_rename_keeps_the_earlier_file_intact(db, monkeypatch):
    target = store.root() / "records" / "RX1" / "2026-10" / "x.parquet"
    store.write_parquet(records_frame(2), target)
    before = store.sha256_of(target)

    def broken_replace(src, dst):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        store.write_parquet(records_frame(9), target)
    assert store.sha256_of(target) == before
    assert [p.name for p in target.parent.iterdir()] == ["x.parquet"]


def test_an_accepted_submission_is_written_to_the_store_and_registered(submitter, trust):
    submission = received_submission(submitter, trust)
    services.start_validation(submission.pk)
    result = services.store_outcome(submission, outcome(rows=4))
    assert result.status == Status.ACCEPTED
    entry = ManifestEntry.objects.get(submission=submission)
    assert entry.path == f"records/RX1/2026-10/{submission.pk}.parquet"
    assert entry.record_count == 4
    assert entry.sha256 == store.sha256_of(store.absolute(entry.path))
    [current] = store.current_manifest()
    assert (current.manifest_id, current.sha256, current.record_count) == (
        entry.pk,
        entry.sha256,
        4,
    )
    assert [e.status for e in submission.events.all()] == ["received", "validating", "accepted"]
    assert submission.events.first().actor == submitter


def test_a_later_accepted_submission_supersedes_the_earlier_which_stays_in_history(
    submitter, trust
):
    first = received_submission(submitter, trust, content=b"first file\n")
    services.start_validation(first.pk)
    services.store_outcome(first, outcome(rows=2))
    second = received_submission(submitter, trust, content=b"second file\n", replace=True)
    services.start_validation(second.pk)
    services.store_outcome(second, outcome(rows=3))
    first.refresh_from_db()
    assert first.status == Status.SUPERSEDED
    assert [e.status for e in first.events.all()][-1] == "superseded"
    assert store.absolute(first.manifest_entry.path).exists()  # kept, not deleted
    assert [f.submission_id for f in store.current_manifest()] == [str(second.pk)]


def test_an_older_file_finishing_after_a_newer_one_does_not_replace_it(submitter, trust):
    older = received_submission(submitter, trust, content=b"older\n")
    newer = received_submission(submitter, trust, content=b"newer\n")
    for submission in (newer, older):
        services.start_validation(submission.pk)
        services.store_outcome(submission, outcome())
    older.refresh_from_db()
    newer.refresh_from_db()
    assert (older.status, newer.status) == (Status.SUPERSEDED, Status.ACCEPTED)


def test_a_rejected_submission_changes_nothing(submitter, trust):
    good = received_submission(submitter, trust, content=b"good\n")
    services.start_validation(good.pk)
    services.store_outcome(good, outcome(rows=2))
    bad = received_submission(submitter, trust, content=b"bad\n")
    services.start_validation(bad.pk)
    result = services.store_outcome(bad, outcome(accepted=False, errors=2))
    assert result.status == Status.REJECTED
    assert result.error_count == 2
    good.refresh_from_db()
    assert good.status == Status.ACCEPTED
    assert [f.submission_id for f in store.current_manifest()] == [str(good.pk)]
    assert _visible_parquet() == [f"{good.pk}.parquet"]


def test_current_manifest_filters_by_period(submitter, trust):
    for period, content in (("2026-08", b"a\n"), ("2026-09", b"b\n"), ("2026-10", b"c\n")):
        submission = received_submission(submitter, trust, period=period, content=content)
        services.start_validation(submission.pk)
        services.store_outcome(submission, outcome(period=period))
    periods = [f.period for f in store.current_manifest(period_from="2026-09", period_to="2026-10")]
    assert periods == ["2026-09", "2026-10"]


def test_store_gc_removes_orphans_and_keeps_registered_files(submitter, trust, capsys):
    submission = received_submission(submitter, trust)
    services.start_validation(submission.pk)
    services.store_outcome(submission, outcome())
    orphan = store.records_path("RX1", "2026-10", "0000-orphan")
    store.write_parquet(records_frame(), orphan)
    temp = orphan.with_name(".half-written.parquet.abc.tmp")
    temp.write_bytes(b"partial")
    unfinished_upload = store.incoming_dir() / "abc.part"
    unfinished_upload.write_bytes(b"partial upload")

    call_command("store-gc", "--min-age", "0")
    submission.refresh_from_db()

    assert not orphan.exists() and not temp.exists() and not unfinished_upload.exists()
    assert store.absolute(submission.manifest_entry.path).exists()
    assert store.absolute(submission.upload_path).exists()
    assert store.absolute(submission.report_path).exists()
    assert "Removed 3 orphaned file(s)." in capsys.readouterr().out


def test_store_gc_leaves_young_files_that_may_be_about_to_commit(db):
    young = store.records_path("RX1", "2026-10", "young")
    store.write_parquet(records_frame(), young)
    call_command("store-gc")
    assert young.exists()
