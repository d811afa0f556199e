"""The manifest: accepted records registered once whole, supersession, the current files."""

from portal.store import api as store
from portal.submissions import services
from portal.submissions.models import Status
from tests.object_storage import keys, read_parquet
from tests.submissions.factories import outcome, received_submission


def _accepted(submitter, trust, rows=3, **kwargs):
    submission = received_submission(submitter, trust, **kwargs)
    services.start_validation(submission.pk)
    return services.store_outcome(submission, outcome(rows=rows, period=submission.period))


def test_an_accepted_submission_is_written_to_the_store_and_registered(
    store_backend, submitter, trust
):
    submission = _accepted(submitter, trust, rows=4)
    assert submission.status == Status.ACCEPTED
    entry = store.ManifestEntry.objects.get(submission=submission)
    assert entry.path == f"records/RX1/2026-10/{submission.pk}.parquet"
    assert entry.record_count == 4
    with store.records().open(entry.path) as handle:
        assert store.sha256_of(handle)[0] == entry.sha256
    assert read_parquet(entry.path).height == 4
    [current] = store.current_files()
    assert (current.manifest_id, current.key, current.sha256, current.record_count) == (
        entry.pk,
        entry.path,
        entry.sha256,
        4,
    )
    assert [e.status for e in submission.events.all()] == ["received", "validating", "accepted"]
    assert submission.events.first().actor == submitter


def test_a_later_accepted_submission_supersedes_the_earlier_which_stays_in_history(
    store_backend, submitter, trust
):
    first = _accepted(submitter, trust, rows=2, content=b"first file\n")
    second = _accepted(submitter, trust, rows=3, content=b"second file\n", replace=True)
    first.refresh_from_db()
    assert first.status == Status.SUPERSEDED
    assert [e.status for e in first.events.all()][-1] == "superseded"
    assert store.records().exists(first.manifest_entry.path)  # kept, not deleted
    assert [f.submission_id for f in store.current_files()] == [str(second.pk)]


def test_an_older_file_finishing_after_a_newer_one_does_not_replace_it(
    store_backend, submitter, trust
):
    older = received_submission(submitter, trust, content=b"older\n")
    newer = received_submission(submitter, trust, content=b"newer\n")
    for submission in (newer, older):
        services.start_validation(submission.pk)
        services.store_outcome(submission, outcome())
    older.refresh_from_db()
    newer.refresh_from_db()
    assert (older.status, newer.status) == (Status.SUPERSEDED, Status.ACCEPTED)


def test_a_rejected_submission_changes_nothing(store_backend, submitter, trust):
    good = _accepted(submitter, trust, rows=2, content=b"good\n")
    bad = received_submission(submitter, trust, content=b"bad\n")
    services.start_validation(bad.pk)
    result = services.store_outcome(bad, outcome(accepted=False, errors=2))
    assert result.status == Status.REJECTED
    assert result.error_count == 2
    good.refresh_from_db()
    assert good.status == Status.ACCEPTED
    assert [f.submission_id for f in store.current_files()] == [str(good.pk)]
    assert keys("records") == [f"records/RX1/2026-10/{good.pk}.parquet"]
    assert store.records().exists(result.report_path)


def test_current_files_filter_by_period(store_backend, submitter, trust):
    for period, content in (("2026-08", b"a\n"), ("2026-09", b"b\n"), ("2026-10", b"c\n")):
        _accepted(submitter, trust, period=period, content=content)
    periods = [f.period for f in store.current_files(period_from="2026-09", period_to="2026-10")]
    assert periods == ["2026-09", "2026-10"]


def test_a_registration_that_fails_leaves_no_records_object(
    store_backend, submitter, trust, monkeypatch
):
    submission = received_submission(submitter, trust)
    services.start_validation(submission.pk)

    def refused(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(store, "register", refused)
    try:
        services.store_outcome(submission, outcome(rows=3))
    except RuntimeError:
        pass
    assert keys("records") == []
    assert store.current_files() == []
