"""A worker killed mid-validation: the next worker's start resumes the file, whatever its age,
and removes what the dead run left (its scratch folders, a partial upload), but never the
scratch folder of a run still alive in another process (issue 16, 16.7; ADR 084)."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from did import scratch
from portal.submissions import calendar, services
from portal.submissions.models import Status, Submission
from tests.submissions.factories import reference_organisations, stored_upload, submitter_for
from tests.submissions.processes import portal, wait_for
from tests.submissions.processes import worker as start_worker
from tests.submissions.test_robustness import _last_month_csv

pytestmark = pytest.mark.django_db(transaction=True)

# Another process's run, alive for as long as its standard input stays open.
_LIVE_RUN = (
    "import sys; from did import scratch; folder = scratch.directory(scratch.RECORDS); "
    "print(folder.name, flush=True); sys.stdin.read()"
)


def _scratch_folders(folder: Path) -> set[Path]:
    return {p for p in folder.iterdir() if p.name.startswith(scratch.PREFIXES)}


def _aged(path: Path, seconds: float) -> Path:
    then = time.time() - seconds
    os.utime(path, (then, then))
    return path


def test_the_next_worker_resumes_the_file_and_sweeps_only_the_dead_run(
    settings, monkeypatch, tmp_path
):
    from portal.organisations.models import Organisation

    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setenv("TMPDIR", str(temporary))  # the worker processes' temporary folder
    reference_organisations()
    rr8 = Organisation.objects.get(code="RR8")
    person = submitter_for(rr8)
    submission = services.receive(
        person, rr8, calendar.last_month(), stored_upload(_last_month_csv(300_000))
    ).submission

    live_run = subprocess.Popen(
        [sys.executable, "-c", _LIVE_RUN],
        env=dict(os.environ),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    worker = start_worker(settings.DID_STORE, queues="validation")
    try:
        alive = Path(live_run.stdout.readline().strip())
        # Days old, as a run on a slow machine might be: its process holds it, so it stays.
        _aged(alive / scratch.OWNER_FILE, 3 * 24 * 3600)
        _aged(alive, 3 * 24 * 3600)
        assert wait_for(
            lambda: Submission.objects.filter(pk=submission.pk, records_read__gt=0).exists()
        ), worker.stdout.read1().decode() if worker.poll() is not None else "never started"
        dead_run = _scratch_folders(temporary) - {alive}
        assert dead_run, "the engine works in scratch folders"
        assert all((folder / scratch.OWNER_FILE).is_file() for folder in dead_run)
        [killed_worker] = DBTaskResult.objects.running().get().worker_ids
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)

        # Moments later, not hours: the dead run's leftovers, and a partial upload.
        submission.refresh_from_db()
        assert submission.status == Status.VALIDATING
        assert all(folder.exists() for folder in dead_run)
        # The local record store (the embedded default) as the crash left it.
        incoming = Path(settings.DID_STORE) / "incoming"
        incoming.mkdir(parents=True, exist_ok=True)
        partial = incoming / "interrupted.part"
        partial.write_bytes(b"half an upload")
        _aged(partial, 10 * 60)

        restarted = start_worker(settings.DID_STORE, queues="validation", batch=True)
        output = restarted.communicate(timeout=180)[0].decode()
        assert restarted.returncode == 0, output[-3000:]
        submission.refresh_from_db()
        assert submission.status == Status.ACCEPTED, (submission.failure_message, output[-2000:])
        assert submission.record_count == 300_000
        assert "restarted after an interruption" in submission.events.values_list("note", flat=True)
        assert not any(folder.exists() for folder in dead_run)
        assert not partial.exists()
        # The dead worker's task row no longer says "running".
        assert not DBTaskResult.objects.running().exists()
        [killed_task] = [t for t in DBTaskResult.objects.all() if killed_worker in t.worker_ids]
        assert killed_task.status == TaskResultStatus.FAILED
        assert killed_task.exception_class_path == "portal.operations.orphans.WorkerStopped"
        assert _scratch_folders(temporary) == {alive}, "the live run's folder is kept"
    finally:
        for process in (worker, live_run):
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)

    # Its process has ended: the next sweep removes its folder too.
    resume = portal("resume-submissions", settings_store=settings.DID_STORE)
    output = resume.communicate(timeout=60)[0].decode()
    assert resume.returncode == 0, output
    assert "1 temporary folder(s) of stopped runs removed." in output
    assert _scratch_folders(temporary) == set()
