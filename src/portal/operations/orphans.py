"""Task rows a dead worker left "running" (issue 16, crash leftovers).

django-tasks' database worker marks a task running when it takes it and finished when it
ends; a worker killed in between leaves the row running for ever, which /healthz and the
metrics would count as work in progress. A worker start (portal.submissions.recovery)
marks such a row failed, with WorkerStopped as its exception. What the task was doing is
resumed by its own app: a validation by its submission's state (ADR 082).
"""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from portal.core import processes
from portal.operations.models import WorkerHeartbeat


class WorkerStopped(Exception):
    """The worker running this task stopped (killed or crashed) before the task finished."""


def worker_stopped(worker_id: str, started_at, now=None) -> bool:
    """The worker is gone: its process on this machine no longer exists, or (anywhere) it
    has not beaten for WORKER_HEARTBEAT_STALE_SECONDS, and the task is older than that
    (a worker that took a task a moment ago may not have beaten yet)."""
    now = now or timezone.now()
    stale = timedelta(seconds=settings.WORKER_HEARTBEAT_STALE_SECONDS)
    beat = WorkerHeartbeat.objects.filter(worker_id=worker_id).first()
    if beat is not None and processes.gone_from_this_machine(beat.hostname, beat.pid):
        return True
    silent = beat is None or beat.beat_at < now - stale
    return silent and started_at is not None and started_at < now - stale


def fail_orphaned_tasks() -> list[DBTaskResult]:
    """Mark failed every running task whose worker has stopped; return them."""
    now = timezone.now()
    orphans = []
    for row in DBTaskResult.objects.running():
        worker = row.worker_ids[-1] if row.worker_ids else ""
        if worker_stopped(worker, row.started_at, now):
            row.set_failed(WorkerStopped(f"worker {worker} stopped before the task finished"))
            orphans.append(row)
    return orphans
