"""Retention: a raw upload (NHS numbers, birth dates, postcodes as the provider sent them)
is deleted SUBMISSIONS_RAW_UPLOAD_RETENTION_DAYS after its validation finished.

The accepted records stay in the record store (they are what is published and what the
provider may download); the submission row, its report and its history stay too. Only the
uploaded file goes. Running it again deletes nothing more: a file already gone is skipped.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from portal.audit.services import record
from portal.store import api as store
from portal.submissions.models import FINISHED, Submission


@dataclass(frozen=True)
class DeletedUpload:
    submission_id: str
    finished_at: object
    size: int


def expired_submissions(now=None):
    """Finished submissions whose last status change is older than the retention period."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.SUBMISSIONS_RAW_UPLOAD_RETENTION_DAYS)
    return (
        Submission.objects.filter(status__in=FINISHED)
        .annotate(finished_at=Max("events__at"))
        .filter(finished_at__lt=cutoff)
        .exclude(upload_path="")
        .select_related("organisation")
        .order_by("finished_at")
    )


def delete_expired_uploads(now=None, dry_run=False) -> list[DeletedUpload]:
    deleted = []
    records = store.records()
    for submission in expired_submissions(now).iterator(chunk_size=500):
        found = records.info(submission.upload_path)
        if found is None:
            continue
        size = found.size
        if not dry_run:
            records.delete(submission.upload_path, prune=True)  # and uploads/<id>/, empty now
            record(
                "system",
                "submissions.raw_upload_deleted",
                target=f"submission:{submission.pk}",
                organisation=submission.organisation,
                details={
                    "retention_days": settings.SUBMISSIONS_RAW_UPLOAD_RETENTION_DAYS,
                    "bytes": size,
                },
            )
        deleted.append(DeletedUpload(str(submission.pk), submission.finished_at, size))
    return deleted
