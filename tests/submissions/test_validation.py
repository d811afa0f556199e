"""Background validation with the real DID engine, against the portal's reference data."""

import os

import pytest
import time_machine
from django.urls import reverse

from did.spec.derived import DERIVED_COLUMNS
from did.spec.items import COLUMNS
from portal.store import api as store
from portal.store.models import ManifestEntry
from portal.submissions import services
from portal.submissions.models import Status, Submission
from tests.object_storage import keys, read_parquet
from tests.submissions.factories import did_csv, received_submission, reference_organisations

RECEIVED = "2026-10-15 10:00:00+01:00"
pytestmark = pytest.mark.usefixtures("reference")


@pytest.fixture
def reference(db):
    reference_organisations()


@pytest.fixture
def rr8_submitter(db):
    from portal.organisations.models import Organisation
    from tests.submissions.factories import submitter_for

    return submitter_for(Organisation.objects.get(code="RR8"), email="submitter@rr8.nhs.uk")


def _submit(user, content, period="2026-09"):
    from portal.organisations.models import Organisation

    with time_machine.travel(RECEIVED, tick=False):
        submission = received_submission(
            user, Organisation.objects.get(code="RR8"), period=period, content=content
        )
        return services.validate(submission.pk)


def test_a_valid_file_is_accepted_and_its_records_stored_with_derived_fields(rr8_submitter):
    submission = _submit(rr8_submitter, did_csv(rows=5))
    assert submission.status == Status.ACCEPTED, submission.rule_counts
    assert (submission.record_count, submission.error_count) == (5, 0)
    entry = ManifestEntry.objects.get(submission=submission)
    frame = read_parquet(entry.path)
    assert frame.height == 5
    assert set(COLUMNS) <= set(frame.columns)
    assert set(DERIVED_COLUMNS) <= set(frame.columns)
    assert frame["modality"].unique().to_list() == ["Plain Radiography"]
    assert frame["provider_code"].unique().to_list() == ["RR8"]  # the site's parent
    assert frame["period"].unique().to_list() == ["2026-09"]
    assert frame["accession_number"].to_list()[0] == "ACC0000001"
    with store.records().open(entry.path) as handle:
        assert entry.sha256 == store.sha256_of(handle)[0]


def test_a_file_with_errors_is_rejected_with_counts_per_rule(rr8_submitter):
    content = did_csv(rows=4, patient_source_setting="1")  # leading zero missing: DIDS021
    submission = _submit(rr8_submitter, content)
    assert submission.status == Status.REJECTED
    assert submission.error_count == 4
    assert {"rule": "DIDS021", "severity": "error", "count": 4}.items() <= {
        k: v for k, v in submission.rule_counts[0].items() if k != "message"
    }.items()
    assert not ManifestEntry.objects.exists()


def test_a_file_that_is_not_a_did_file_is_rejected_with_a_file_error(rr8_submitter):
    submission = _submit(rr8_submitter, b"this,is\nnot,a did file\n")
    assert submission.status == Status.REJECTED
    assert submission.file_errors


def test_records_from_another_month_are_errors(rr8_submitter):
    submission = _submit(rr8_submitter, did_csv(rows=2), period="2026-08")
    assert submission.status == Status.REJECTED
    assert [r["rule"] for r in submission.rule_counts] == ["DIDP115"]
    assert submission.error_count == 2


def test_records_from_another_month_can_be_allowed_by_a_setting(rr8_submitter, settings):
    settings.SUBMISSIONS_ALLOW_OTHER_MONTHS = True
    submission = _submit(rr8_submitter, did_csv(rows=2), period="2026-08")
    assert submission.status == Status.ACCEPTED
    assert submission.warning_count == 2


def test_a_corrected_file_supersedes_the_first_accepted_one_once_confirmed(rr8_submitter):
    first = _submit(rr8_submitter, did_csv(rows=3))
    second = _submit(rr8_submitter, did_csv(rows=4, ethnic_category="B"))
    assert second.status == Status.AWAITING_CONFIRMATION
    [current] = store.current_files()
    assert current.submission_id == str(first.pk)  # nothing replaced without asking
    difference = second.replacement
    assert difference["replaces"] == str(first.pk)
    assert (difference["added"], difference["removed"], difference["changed"]) == (1, 0, 3)
    assert (difference["previous_total"], difference["new_total"]) == (3, 4)
    second = services.confirm_replacement(rr8_submitter, second.pk, str(first.pk))
    first.refresh_from_db()
    assert (first.status, second.status) == (Status.SUPERSEDED, Status.ACCEPTED)
    [current] = store.current_files()
    assert (current.submission_id, current.record_count) == (str(second.pk), 4)


@pytest.mark.parametrize("store_backend", ["local"], indirect=True)  # a disk that fills up
def test_an_io_error_while_storing_fails_the_submission_and_keeps_earlier_data(
    store_backend, rr8_submitter, monkeypatch
):
    first = _submit(rr8_submitter, did_csv(rows=3))
    earlier_bytes = store.records().read_bytes(first.manifest_entry.path)

    real_fsync = os.fsync

    def failing_fsync(fd):
        if os.path.realpath(f"/proc/self/fd/{fd}").endswith(".tmp"):
            raise OSError(28, "No space left on device")
        return real_fsync(fd)

    monkeypatch.setattr(os, "fsync", failing_fsync)
    second = _submit(rr8_submitter, did_csv(rows=4, ethnic_category="B"))
    assert second.status == Status.FAILED
    assert "could not be saved to the record store (No space left on device)" in (
        second.failure_message
    )
    first.refresh_from_db()
    assert first.status == Status.ACCEPTED
    assert store.records().read_bytes(first.manifest_entry.path) == earlier_bytes
    assert [c.submission_id for c in store.current_files()] == [str(first.pk)]
    assert not [key for key in keys() if key.endswith(".tmp")]


@pytest.mark.parametrize("store_backend", ["local"], indirect=True)  # folders are local
def test_an_unwritable_store_folder_fails_the_submission_with_a_clear_message(
    store_backend, rr8_submitter, settings
):
    # A file where the organisation's folder should be: every writer, even root, fails.
    (settings.DID_STORE / "records").mkdir(parents=True)
    (settings.DID_STORE / "records" / "RR8").write_bytes(b"not a folder")
    submission = _submit(rr8_submitter, did_csv(rows=2))
    assert submission.status == Status.FAILED
    assert "could not be saved to the record store" in submission.failure_message
    assert "Nothing was changed" in submission.failure_message
    assert not ManifestEntry.objects.exists()
    assert [e.status for e in submission.events.all()][-1] == "failed"


def test_a_failed_file_can_be_uploaded_again(rr8_submitter, monkeypatch):
    def no_space(*args, **kwargs):
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as patch:
        # The disk is full when the engine's files are moved into the store.
        patch.setattr(type(store.records()), "put_file", no_space)
        failed = _submit(rr8_submitter, did_csv(rows=2))
    assert failed.status == Status.FAILED
    again = _submit(rr8_submitter, did_csv(rows=2))
    assert again.pk != failed.pk and again.status == Status.ACCEPTED


def test_validating_a_finished_submission_again_changes_nothing(rr8_submitter):
    submission = _submit(rr8_submitter, did_csv(rows=2))
    events = submission.events.count()
    assert services.validate(submission.pk) is None
    assert submission.events.count() == events


def test_the_web_journey_validates_in_the_task_worker_and_shows_the_report(
    client, rr8_submitter, immediate_tasks, django_capture_on_commit_callbacks
):
    client.force_login(rr8_submitter)
    content = did_csv(rows=3, report_date="2026-12-30")  # after receipt: DIDS066 error
    from django.core.files.uploadedfile import SimpleUploadedFile

    with time_machine.travel(RECEIVED, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                "/submissions/new/RR8/2026-09/",
                {"file": SimpleUploadedFile("sept.csv", content, "text/csv")},
            )
    submission = Submission.objects.get()
    assert response.url == reverse("submissions:detail", args=[submission.pk])
    assert submission.status == Status.REJECTED
    page = client.get(response.url).content.decode()
    assert "File rejected" in page and "DIDS066" in page
    assert [e.status for e in submission.events.all()] == [
        "received",
        "validating",
        "rejected",
    ]
