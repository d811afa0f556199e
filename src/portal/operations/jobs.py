"""The scheduled jobs and the lease that makes each safe on several machines at once.

Every job is idempotent on its own (reminders once per organisation and period, resumption
only of stalled work, clean-up of orphans, sealing of unsealed entries, deletion of raw
uploads past retention). The lease adds that, when the same cron line fires on every
machine, one machine runs the job and the others skip it: a conditional UPDATE claims the
job's row until `lease`, which works the same on PostgreSQL and SQLite and holds no
transaction open while the job runs. A machine that dies mid-job frees the job when its
lease runs out.
"""

import io
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.core.management import call_command
from django.db.models import Q
from django.utils import timezone

from portal.operations.models import ScheduledJob


@dataclass(frozen=True)
class Job:
    name: str
    every: timedelta  # run at most this often by `portal run-jobs`
    lease: timedelta  # longer than the job can take
    command: tuple[str, ...]


JOBS = {
    job.name: job
    for job in (
        Job("audit-seal", timedelta(minutes=1), timedelta(minutes=30), ("audit-seal",)),
        Job(
            "resume-submissions",
            timedelta(minutes=5),
            timedelta(minutes=15),
            ("resume-submissions",),
        ),
        Job("send-reminders", timedelta(hours=1), timedelta(hours=1), ("send-reminders",)),
        Job("store-gc", timedelta(hours=24), timedelta(hours=2), ("store-gc",)),
        Job("retention", timedelta(hours=24), timedelta(hours=2), ("delete-expired-uploads",)),
    )
}


@dataclass(frozen=True)
class JobOutcome:
    name: str
    ran: bool
    output: str = ""
    error: str = ""


def _holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:255]


def claim(job: Job, *, only_if_due: bool) -> bool:
    """Take the job's lease if nobody holds it (and, if asked, if it is due)."""
    now = timezone.now()
    ScheduledJob.objects.get_or_create(name=job.name)
    free = Q(leased_until__isnull=True) | Q(leased_until__lt=now)
    if only_if_due:
        free &= Q(last_started_at__isnull=True) | Q(last_started_at__lte=now - job.every)
    claimed = ScheduledJob.objects.filter(free, name=job.name).update(
        leased_until=now + job.lease, leased_by=_holder(), last_started_at=now
    )
    return claimed == 1


def release(job: Job, outcome: str) -> None:
    ScheduledJob.objects.filter(name=job.name, leased_by=_holder()).update(
        leased_until=None, last_finished_at=timezone.now(), last_outcome=outcome[:500]
    )


def run(job: Job, *, only_if_due: bool = False, call: Callable = call_command) -> JobOutcome:
    """Run the job here unless another machine holds it; a failure is recorded on the
    job's row and returned, so one failing job does not stop the others."""
    if not claim(job, only_if_due=only_if_due):
        return JobOutcome(job.name, False)
    out = io.StringIO()
    try:
        call(*job.command, stdout=out)
    except Exception as error:  # noqa: BLE001 - recorded, reported, and the run exits non-zero
        message = f"failed: {type(error).__name__}: {error}"
        release(job, message)
        return JobOutcome(job.name, True, out.getvalue(), message)
    output = out.getvalue()
    lines = output.strip().splitlines()
    release(job, lines[-1] if lines else "done")
    return JobOutcome(job.name, True, output)


def run_due() -> list[JobOutcome]:
    """Every job that is due and free, one after another (`portal run-jobs`)."""
    return [run(job, only_if_due=True) for job in JOBS.values()]
