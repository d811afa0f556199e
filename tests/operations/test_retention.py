"""Raw uploads go SUBMISSIONS_RAW_UPLOAD_RETENTION_DAYS after validation; records stay."""

from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from portal.audit.models import AuditEntry
from portal.organisations.models import Organisation
from portal.store import api as store
from portal.submissions import services
from portal.submissions.models import Status
from tests.object_storage import keys
from tests.submissions.factories import (
    did_csv,
    received_submission,
    reference_organisations,
    submitter_for,
)

RECEIVED = "2026-10-15 10:00:00+01:00"


@pytest.fixture
def accepted(db):
    reference_organisations()
    rr8 = Organisation.objects.get(code="RR8")
    with time_machine.travel(RECEIVED, tick=False):
        submission = received_submission(submitter_for(rr8), rr8, "2026-09", did_csv(rows=3))
        submission = services.validate(submission.pk)
    assert submission.status == Status.ACCEPTED
    return submission


def _days_after(days):
    return time_machine.travel(timezone.datetime.fromisoformat(RECEIVED) + timedelta(days=days))


def test_the_upload_goes_after_the_retention_period_and_the_records_stay(accepted, capsys):
    records = store.records()
    with _days_after(29):
        call_command("delete-expired-uploads")
    assert records.exists(accepted.upload_path)
    with _days_after(31):
        call_command("delete-expired-uploads")
    assert keys(f"uploads/{accepted.pk}") == []
    assert records.exists(accepted.manifest_entry.path)
    assert [c.submission_id for c in store.current_files()] == [str(accepted.pk)]
    assert "Deleted 1 raw upload(s) older than 30 days." in capsys.readouterr().out
    entry = AuditEntry.objects.get(action="submissions.raw_upload_deleted")
    assert entry.target == f"submission:{accepted.pk}" and entry.organisation_code == "RR8"


def test_running_it_again_deletes_nothing_more(accepted, capsys):
    with _days_after(31):
        call_command("delete-expired-uploads")
        call_command("delete-expired-uploads")
    assert "Deleted 0 raw upload(s)" in capsys.readouterr().out.splitlines()[-1]
    assert AuditEntry.objects.filter(action="submissions.raw_upload_deleted").count() == 1


def test_the_period_is_a_setting(accepted, settings):
    settings.SUBMISSIONS_RAW_UPLOAD_RETENTION_DAYS = 7
    with _days_after(8):
        call_command("delete-expired-uploads")
    assert not store.records().exists(accepted.upload_path)


def test_a_submission_still_being_validated_keeps_its_file(db):
    reference_organisations()
    rr8 = Organisation.objects.get(code="RR8")
    with time_machine.travel(RECEIVED, tick=False):
        waiting = received_submission(submitter_for(rr8), rr8, "2026-09", did_csv(rows=3))
    with _days_after(365):
        call_command("delete-expired-uploads")
    assert store.records().exists(waiting.upload_path)


def test_a_dry_run_lists_and_deletes_nothing(accepted, capsys):
    with _days_after(31):
        call_command("delete-expired-uploads", "--dry-run")
    assert store.records().exists(accepted.upload_path)
    assert "Would delete 1 raw upload(s)" in capsys.readouterr().out
