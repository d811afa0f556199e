"""Clean-up: orphans removed by `portal store-gc`, partial writes swept at worker start,
registered objects and young writes left alone."""

from django.core.management import call_command

from portal.store import api as store
from portal.submissions import services
from tests.object_storage import keys
from tests.submissions.factories import outcome, received_submission, records_frame


def _partial_upload(name="abc"):
    arriving = store.records().receive(f"incoming/{name}.part")
    arriving.write(b"partial upload")
    return arriving.complete().key


def test_store_gc_removes_orphans_and_keeps_registered_objects(
    store_backend, submitter, trust, capsys
):
    submission = received_submission(submitter, trust)
    services.start_validation(submission.pk)
    services.store_outcome(submission, outcome())
    submission.refresh_from_db()
    orphan = store.records_key("RX1", "2026-10", "0000-orphan")
    store.write_parquet(store.records(), records_frame(), orphan)
    temporary = "tmp/half-written.tmp"
    store.records().write(temporary, lambda path: path.write_bytes(b"partial"))
    _partial_upload()
    unreferenced_upload = "uploads/no-such-submission/x.csv"
    store.records().write(unreferenced_upload, lambda path: path.write_bytes(b"x"))

    call_command("store-gc", "--min-age", "0")

    assert keys() == sorted(
        [submission.manifest_entry.path, submission.upload_path, submission.report_path]
    )
    assert "Removed 4 orphaned file(s)." in capsys.readouterr().out


def test_store_gc_leaves_young_objects_that_may_be_about_to_commit(store_backend, db, capsys):
    young = store.records_key("RX1", "2026-10", "young")
    store.write_parquet(store.records(), records_frame(), young)
    call_command("store-gc", "--dry-run", "--min-age", "0")
    assert f"Would remove {young}" in capsys.readouterr().out
    call_command("store-gc")
    assert keys() == [young]


def test_worker_start_sweeps_partial_writes_and_uploads(store_backend, db):
    stale_upload = _partial_upload("dead")
    store.records().write("reports/.x.issues.parquet.abc.tmp", lambda p: p.write_bytes(b"p"))
    kept = "reports/finished.issues.parquet"
    store.records().write(kept, lambda path: path.write_bytes(b"done"))
    # Nothing is swept while it may still be changing.
    assert store.sweep_partial_files() == []
    removed = store.sweep_partial_files(unchanged_seconds=0)
    assert removed == sorted([stale_upload, "reports/.x.issues.parquet.abc.tmp"])
    assert keys() == [kept]
