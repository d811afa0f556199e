"""The manifest: registering an accepted submission's Parquet object, and the query every
reader of accepted data goes through: the current accepted files for a window."""

from dataclasses import dataclass

from portal.store.models import ManifestEntry
from portal.store.objects import StoredObject
from portal.submissions.models import Status


@dataclass(frozen=True)
class CurrentFile:
    manifest_id: int
    submission_id: str
    organisation_code: str
    period: str
    key: str
    sha256: str
    record_count: int


def register(submission, stored: StoredObject, record_count: int) -> ManifestEntry:
    """Within the caller's transaction: `stored` (complete, under its final key) holds the
    submission's accepted records. Commit this row and the object becomes visible."""
    return ManifestEntry.objects.create(
        submission=submission,
        organisation_id=submission.organisation_id,
        period=submission.period,
        path=stored.key,
        sha256=stored.sha256,
        record_count=record_count,
    )


def current_files(period_from: str | None = None, period_to: str | None = None):
    """The Parquet objects that make up the current data: per organisation and period, the
    latest accepted submission that has not been superseded. Periods are "YYYY-MM",
    inclusive. Ordered by organisation code and period."""
    entries = ManifestEntry.objects.filter(submission__status=Status.ACCEPTED).select_related(
        "organisation"
    )
    if period_from:
        entries = entries.filter(period__gte=period_from)
    if period_to:
        entries = entries.filter(period__lte=period_to)
    return [
        CurrentFile(
            manifest_id=entry.pk,
            submission_id=str(entry.submission_id),
            organisation_code=entry.organisation.code,
            period=entry.period,
            key=entry.path,
            sha256=entry.sha256,
            record_count=entry.record_count,
        )
        for entry in entries.order_by("organisation__code", "period")
    ]
