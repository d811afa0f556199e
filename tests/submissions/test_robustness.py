"""Crash safety: a worker killed mid-validation leaves nothing visible and the job is retried
to completion; concurrent uploads all complete. These run real worker processes."""

import signal
import threading
from datetime import date, timedelta

import pytest
from django.db import connection

from portal.store import api as store
from portal.store.models import ManifestEntry
from portal.submissions import calendar, services
from portal.submissions.models import Status, Submission
from tests.did.records import VALID
from tests.object_storage import keys
from tests.submissions.factories import reference_organisations, stored_upload, submitter_for
from tests.submissions.processes import portal as _portal
from tests.submissions.processes import wait_for
from tests.submissions.processes import worker as start_worker

pytestmark = pytest.mark.django_db(transaction=True)


def _last_month_csv(rows: int, marker: str = "ACC", site: str | None = None) -> bytes:
    """Valid records tested last month (so they are valid whenever the suite runs), at
    `site` (by default the one tests.did.records names)."""
    first = date.fromisoformat(calendar.last_month() + "-01")
    values = dict(
        VALID,
        **({"site_code": site} if site else {}),
        request_date=str(first),
        request_received_date=str(first),
        test_date=str(first + timedelta(days=1)),
        report_date=str(first + timedelta(days=2)),
    )
    from did.spec.items import COLUMNS

    prefix = ",".join(values[c] for c in COLUMNS[:-1]) + ","
    return "".join(f"{prefix}{marker}{i:07d}\n" for i in range(rows)).encode()


def _visible_records():
    return keys("records")


@pytest.fixture
def rr8_submitter(db):
    from portal.organisations.models import Organisation

    reference_organisations()
    return submitter_for(Organisation.objects.get(code="RR8"))


def test_a_worker_killed_mid_validation_leaves_nothing_visible_and_the_job_is_retried(
    rr8_submitter, settings
):
    from portal.organisations.models import Organisation

    rr8 = Organisation.objects.get(code="RR8")
    received = services.receive(
        rr8_submitter, rr8, calendar.last_month(), stored_upload(_last_month_csv(400_000))
    )  # the task is queued in the database for the worker
    submission = received.submission
    worker = start_worker(settings.DID_STORE, queues="validation")
    try:
        started = wait_for(
            lambda: Submission.objects.filter(pk=submission.pk, records_read__gt=0).exists()
        )
        assert started, worker.stdout.read1().decode() if worker.poll() is not None else ""
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
    submission.refresh_from_db()
    assert submission.status == Status.VALIDATING  # killed part-way
    assert not ManifestEntry.objects.exists()
    assert store.current_files() == []
    assert _visible_records() == []

    # The retry: queue the stalled job again and let a fresh worker finish it.
    resume = _portal("resume-submissions", settings_store=settings.DID_STORE)
    assert resume.wait(timeout=60) == 0
    retry = start_worker(settings.DID_STORE, queues="validation", batch=True)
    output = retry.communicate(timeout=120)[0].decode()
    assert retry.returncode == 0, output
    submission.refresh_from_db()
    assert submission.status == Status.ACCEPTED, (submission.failure_message, output[-2000:])
    assert submission.record_count == 400_000
    assert "restarted after an interruption" in submission.events.values_list("note", flat=True)
    [current] = store.current_files()
    assert current.submission_id == str(submission.pk) and current.record_count == 400_000
    assert _visible_records() == [current.key]


def test_a_crash_between_the_rename_and_the_manifest_commit_leaves_an_orphan_that_gc_removes(
    rr8_submitter, monkeypatch
):
    from portal.organisations.models import Organisation

    rr8 = Organisation.objects.get(code="RR8")
    submission = services.receive(
        rr8_submitter, rr8, calendar.last_month(), stored_upload(_last_month_csv(50))
    ).submission

    def crash(*args, **kwargs):
        raise KeyboardInterrupt("power cut")  # not an OSError: nothing handles it

    monkeypatch.setattr(ManifestEntry.objects, "create", crash)
    with pytest.raises(KeyboardInterrupt):
        services.validate(submission.pk)
    assert store.current_files() == []
    store.collect_garbage(min_age_seconds=0)
    assert _visible_records() == []
    monkeypatch.undo()
    services.validate(submission.pk)
    submission.refresh_from_db()
    assert submission.status == Status.ACCEPTED


def test_five_concurrent_uploads_all_complete_correctly(settings):
    from portal.organisations.models import Organisation
    from tests.organisations.factories import SiteFactory
    from tests.submissions.factories import TrustFactory

    reference_organisations()
    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
            "QUEUES": settings.TASK_QUEUES_SERVED,
        }
    }
    trusts = [Organisation.objects.get(code="RR8")] + [TrustFactory() for _ in range(4)]
    people = [submitter_for(trust) for trust in trusts]
    # Each trust sends records of its own site (another trust's sites are not its to send).
    sites = ["RR813"] + [
        SiteFactory(code=f"{trust.code}01", parent_code=trust.code).code for trust in trusts[1:]
    ]
    period = calendar.last_month()
    errors = []
    barrier = threading.Barrier(5)

    def upload(person, trust, index):
        try:
            barrier.wait(timeout=30)
            content = _last_month_csv(200 + index, marker=f"T{index}", site=sites[index])
            services.receive(person, trust, period, stored_upload(content))
        except Exception as error:  # reported below
            errors.append(repr(error))
        finally:
            connection.close()

    threads = [
        threading.Thread(target=upload, args=(person, trust, i))
        for i, (person, trust) in enumerate(zip(people, trusts, strict=True))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    submissions = list(Submission.objects.order_by("organisation__code"))
    assert len(submissions) == 5
    # Each organisation's file is validated to acceptance and becomes its current data.
    assert all(s.status == Status.ACCEPTED for s in submissions), [
        (s.status, s.rule_counts, s.failure_message) for s in submissions
    ]
    assert sorted(s.record_count for s in submissions) == [200, 201, 202, 203, 204]
    assert len(store.current_files(period, period)) == 5


def test_resume_submissions_also_sweeps_what_killed_runs_left(tmp_path, monkeypatch):
    import io
    import os

    from django.core.management import call_command

    from did import scratch

    monkeypatch.setattr(scratch.tempfile, "tempdir", str(tmp_path))
    left = tmp_path / "did-records-killed"
    left.mkdir()
    os.utime(left, (0, 0))
    running = tmp_path / "did-records-running"
    running.mkdir()
    output = io.StringIO()
    call_command("resume-submissions", stdout=output)
    assert not left.exists() and running.exists()
    assert "1 temporary folder(s) of stopped runs removed." in output.getvalue()
