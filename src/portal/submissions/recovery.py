"""What a worker start (and `portal resume-submissions`) does after a crash (ADR 082, 084).

Queue again every validation that is not running, whatever its age (received, or
validating under a claim no live worker holds), and remove what killed runs leave: task
rows left "running" (marked failed, portal.operations.orphans), emails cut off mid-send
(queued again, portal.notify.tasks), partial Parquet files and
partial uploads in the record store, and the engine's scratch folders whose process has
ended (did.scratch: each is tied to its process by a locked owner file, so a run still
alive in another process is never touched).
"""

from dataclasses import dataclass
from pathlib import Path

from django_tasks_db.models import DBTaskResult

from did import scratch
from portal.notify.models import OutboxMessage
from portal.notify.tasks import resume_interrupted_deliveries
from portal.operations import orphans
from portal.store import api as store
from portal.submissions import services
from portal.submissions.models import Submission


@dataclass(frozen=True)
class Recovered:
    resumed: list[Submission]
    orphaned_tasks: list[DBTaskResult]
    interrupted_emails: list[OutboxMessage]
    partial_files: list[str]
    scratch_folders: list[Path]

    def lines(self) -> list[str]:
        return [
            *(f"Queued {submission.pk} again" for submission in self.resumed),
            f"{len(self.resumed)} submission(s) queued again.",
            f"{len(self.orphaned_tasks)} task(s) a stopped worker left running marked failed.",
            f"{len(self.interrupted_emails)} email(s) a stopped worker was sending queued again.",
            f"{len(self.partial_files)} partial file(s) removed.",
            f"{len(self.scratch_folders)} temporary folder(s) of stopped runs removed.",
        ]


def recover() -> Recovered:
    return Recovered(
        orphaned_tasks=orphans.fail_orphaned_tasks(),
        interrupted_emails=resume_interrupted_deliveries(),
        resumed=services.resume_stalled(),
        partial_files=store.sweep_partial_files(),
        scratch_folders=scratch.sweep_stale(),
    )
