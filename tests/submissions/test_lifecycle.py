"""Issue 16 H2 / 16.7 / 17.3: each validation is claimed by one worker, tried a limited
number of times, resumed whatever its age, and crash leftovers are swept."""

import os
import zipfile
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from did.read.zip import inflation_allowance
from portal.audit.models import AuditEntry
from portal.notify.models import OutboxMessage
from portal.store import api as store
from portal.submissions import services
from portal.submissions.models import Status, Submission
from tests.submissions.factories import did_csv, outcome, received_submission, stored_upload


@pytest.fixture
def waiting(submitter, trust):
    return received_submission(submitter, trust)


def test_a_file_that_kills_its_worker_every_time_is_failed_after_the_limit_and_the_desk_told(
    waiting, service_desk_user, immediate_tasks, django_capture_on_commit_callbacks
):
    for attempt in range(1, services.MAX_ATTEMPTS + 1):
        # Each start is a worker that then dies without finishing.
        assert services.start_validation(waiting.pk) is not None
        Submission.objects.filter(pk=waiting.pk).update(claimed_until=timezone.now())
        assert Submission.objects.get(pk=waiting.pk).attempts == attempt
    with django_capture_on_commit_callbacks(execute=True):
        assert services.start_validation(waiting.pk) is None
    waiting.refresh_from_db()
    assert waiting.status == Status.FAILED
    assert f"We tried to check this file {services.MAX_ATTEMPTS} times" in waiting.failure_message
    assert "The national service desk has been told" in waiting.failure_message
    [email] = OutboxMessage.objects.filter(template_name="submission_failed_desk")
    assert email.to == service_desk_user.email
    assert str(waiting.pk) in email.body and "RX1" in email.body
    assert waiting.file_name not in email.body
    failed = AuditEntry.objects.get(action="submissions.failed")
    assert failed.details == {"period": "2026-10", "attempts": services.MAX_ATTEMPTS}
    # Resuming does not bring it back.
    assert waiting not in services.resume_stalled()


def test_a_submission_claimed_by_a_live_worker_is_not_taken_by_another(waiting):
    Submission.objects.filter(pk=waiting.pk).update(
        status=Status.VALIDATING,
        claimed_by="another-host:1234",
        claimed_until=timezone.now() + timedelta(seconds=60),
    )
    assert services.start_validation(waiting.pk) is None
    assert services.validate(waiting.pk) is None
    assert services.resume_stalled() == []
    # Its claim lapses (that worker stopped renewing it): now it can be taken.
    Submission.objects.filter(pk=waiting.pk).update(claimed_until=timezone.now())
    assert [s.pk for s in services.resume_stalled()] == [waiting.pk]
    taken = services.start_validation(waiting.pk)
    assert taken is not None and taken.claimed_by == services.worker_id()
    assert "restarted after an interruption" in taken.events.values_list("note", flat=True)


def test_a_claim_of_a_dead_process_on_this_machine_is_abandoned_at_once(waiting):
    import socket
    import subprocess

    gone = subprocess.Popen(["true"])
    gone.wait()
    Submission.objects.filter(pk=waiting.pk).update(
        status=Status.VALIDATING,
        claimed_by=f"{socket.gethostname()}:{gone.pid}",
        claimed_until=timezone.now() + timedelta(hours=1),
    )
    assert [s.pk for s in services.resume_stalled()] == [waiting.pk]  # whatever its age
    alive = f"{socket.gethostname()}:{os.getppid()}"
    Submission.objects.filter(pk=waiting.pk).update(claimed_by=alive)
    assert services.resume_stalled() == []


def test_received_submissions_are_resumed_whatever_their_age(waiting, submitter, trust):
    just_now = received_submission(submitter, trust, content=b"another\n")
    resumed = {s.pk for s in services.resume_stalled()}
    assert resumed == {waiting.pk, just_now.pk}


def test_no_lock_is_held_while_the_file_is_read(waiting, monkeypatch):
    seen = []

    def estimate(path):
        seen.append(connection.in_atomic_block)
        return 3

    monkeypatch.setattr(services, "estimate_records", estimate)
    checked = services.validate(waiting.pk)
    assert checked.records_expected == 3
    # The test itself runs in a transaction; the claim's own block has been left.
    assert seen == [connection.in_atomic_block]
    assert Submission.objects.get(pk=waiting.pk).records_expected == 3


def test_a_rejected_file_can_be_sent_again_unchanged(submitter, trust):
    first = received_submission(submitter, trust, content=b"same bytes\n")
    services.start_validation(first.pk)
    services.store_outcome(first, outcome(accepted=False, errors=2))
    # The reference data is corrected; the same file is sent again and checked afresh.
    again = services.receive(submitter, trust, "2026-10", stored_upload(b"same bytes\n"))
    assert not again.duplicate and again.submission.pk != first.pk
    # A file still being checked is still recognised.
    twice = services.receive(submitter, trust, "2026-10", stored_upload(b"same bytes\n"))
    assert twice.duplicate and twice.submission.pk == again.submission.pk


def test_the_progress_estimate_inflates_a_zip_no_further_than_the_check_would(tmp_path):
    # Issue 16 (zip bomb): the estimate read every member to its end before the engine's
    # check refused it; a member of 200 MiB of line ends is ~200 KiB compressed.
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("records.csv", "w") as member:
            for _ in range(200):
                member.write(b"\n" * (1 << 20))
    [info] = zipfile.ZipFile(bomb).infolist()
    allowance = inflation_allowance(info)
    assert allowance < info.file_size // 10
    estimate = services.estimate_records(bomb)
    assert 0 < estimate <= allowance + store.CHUNK


def test_the_progress_estimate_counts_a_zipped_file_s_records(tmp_path):
    packed = tmp_path / "records.zip"
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("records.csv", did_csv(rows=250))
    assert services.estimate_records(packed) == 250
