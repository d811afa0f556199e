"""Submission workflows: receive a file, validate it in the background, store the result.

Each workflow runs in one transaction and writes the audit entry. Audit details carry ids,
hashes and counts only — never file content, file names or anything from the records.
"""

import logging
import time
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from portal.accounts import permissions
from portal.accounts.roles import Role
from portal.audit.services import record
from portal.organisations.models import Organisation
from portal.submissions import calendar, engine, store
from portal.submissions.models import (
    FINISHED,
    Channel,
    ManifestEntry,
    Status,
    Submission,
    SubmissionEvent,
)
from portal.submissions.uploads import StoredUpload, safe_file_name

log = logging.getLogger(__name__)
WORKER = "task worker"
PROGRESS_EVERY_SECONDS = 0.5


class SubmissionRefused(ValueError):
    """The request cannot become a submission; the message is for the person."""


# ---------------------------------------------------------------- who may submit what


def submitter_organisations(user):
    """Organisations this person may submit for (active submitter memberships)."""
    return permissions.organisations_where(user, Role.SUBMITTER)


def visible_submissions(user):
    """Submissions this person may see: those of organisations they submit for."""
    return Submission.objects.filter(organisation__in=submitter_organisations(user))


# ---------------------------------------------------------------- receiving


@dataclass(frozen=True)
class Received:
    submission: Submission
    duplicate: bool


def _add_event(submission, status, actor=None, note=""):
    SubmissionEvent.objects.create(
        submission=submission,
        status=status,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=getattr(actor, "email", None) or (actor if isinstance(actor, str) else WORKER),
        note=note,
    )
    submission.status = status


def find_duplicate(organisation, period, sha256):
    return (
        Submission.objects.filter(organisation=organisation, period=period, sha256=sha256)
        .exclude(status=Status.FAILED)
        .order_by("received_at")
        .first()
    )


def receive(user, organisation, period: str, upload: StoredUpload, channel=Channel.WEB):
    """Register an uploaded file as a submission and queue its validation.

    The same file (same SHA-256) for the same organisation and period is recognised and not
    processed again: the earlier submission is returned with duplicate=True.
    """
    if not submitter_organisations(user).filter(pk=organisation.pk).exists():
        upload.discard()
        raise SubmissionRefused("You are not a submitter for this organisation.")
    calendar.parse_period(period)
    name = safe_file_name(upload.name)
    if not name.lower().endswith((".csv", ".xml", ".zip")):
        upload.discard()
        raise SubmissionRefused("The file must be a CSV, XML or zip file.")
    earlier = find_duplicate(organisation, period, upload.sha256)
    if earlier is not None:
        upload.discard()
        return Received(earlier, duplicate=True)
    submission = Submission(
        organisation=organisation,
        period=period,
        submitted_by=user,
        channel=channel,
        file_name=name,
        file_size=upload.size,
        sha256=upload.sha256,
    )
    final = store.upload_path(submission.pk, name)
    submission.upload_path = f"uploads/{submission.pk}/{name}"
    submission.timeliness = calendar.timeliness(period, submission.received_at)
    try:
        with transaction.atomic():
            submission.save()
            _add_event(submission, Status.RECEIVED, user)
            record(
                user,
                "submissions.received",
                target=f"submission:{submission.pk}",
                organisation=organisation,
                details={
                    "period": period,
                    "sha256": upload.sha256,
                    "bytes": upload.size,
                    "channel": channel,
                    "timeliness": submission.timeliness,
                },
            )
            upload.close()
            store.move_into_store(upload.path, final)
            transaction.on_commit(lambda: enqueue_validation(submission))
    except IntegrityError:
        # Someone uploaded the same file for the same period a moment ago.
        upload.discard()
        earlier = find_duplicate(organisation, period, upload.sha256)
        if earlier is None:
            raise
        return Received(earlier, duplicate=True)
    except BaseException:
        upload.discard()
        store.absolute(submission.upload_path).unlink(missing_ok=True)
        raise
    return Received(submission, duplicate=False)


def enqueue_validation(submission) -> None:
    from portal.submissions.tasks import validate_submission_task

    validate_submission_task.enqueue(str(submission.pk))


# ---------------------------------------------------------------- validating


def _progress_recorder(submission_id):
    last = [0.0]

    def progress(records_read: int) -> None:
        now = time.monotonic()
        if now - last[0] < PROGRESS_EVERY_SECONDS:
            return
        last[0] = now
        Submission.objects.filter(pk=submission_id).update(
            records_read=records_read, progress_at=timezone.now()
        )

    return progress


def start_validation(submission_id):
    """Mark the submission as validating; return it, or None if there is nothing to do."""
    with transaction.atomic():
        submission = Submission.objects.select_for_update().get(pk=submission_id)
        if submission.status in FINISHED:
            return None
        note = "restarted after an interruption" if submission.status == Status.VALIDATING else ""
        _add_event(submission, Status.VALIDATING, WORKER, note)
        submission.records_read = 0
        submission.records_expected = estimate_records(store.absolute(submission.upload_path))
        submission.progress_at = timezone.now()
        submission.save(update_fields=["status", "records_read", "records_expected", "progress_at"])
    return submission


def estimate_records(path) -> int:
    """Count records cheaply for the progress bar: lines (CSV) or ImagingActivity tags (XML)."""
    import zipfile

    def count(handle, xml: bool) -> int:
        total, tail = 0, b""
        needle = b"<ImagingActivity" if xml else b"\n"
        while chunk := handle.read(store.CHUNK):
            data = tail + chunk
            total += data.count(needle)
            tail = data[-(len(needle) - 1) :] if len(needle) > 1 else b""
        return total

    try:
        if str(path).lower().endswith(".zip"):
            with zipfile.ZipFile(path) as archive:
                return sum(
                    count(archive.open(info), info.filename.lower().endswith(".xml"))
                    for info in archive.infolist()
                    if not info.is_dir()
                )
        with open(path, "rb") as handle:
            return count(handle, str(path).lower().endswith(".xml"))
    except (OSError, zipfile.BadZipFile):
        return 0


def validate(submission_id) -> Submission | None:
    """Validate one submission with the DID engine and store the outcome. Idempotent: a
    finished submission is left alone, an interrupted one starts again from the file."""
    submission = start_validation(submission_id)
    if submission is None:
        return None
    received = timezone.localtime(submission.received_at).date()
    try:
        outcome = engine.run(
            store.absolute(submission.upload_path),
            received=received,
            period=submission.period,
            providers=frozenset({submission.organisation.code}),
            progress=_progress_recorder(submission.pk),
        )
    except Exception:
        log.exception("validation of submission %s failed", submission.pk)
        return _fail(
            submission,
            "Something went wrong while checking this file. Nothing was stored. "
            "Please try again; if it happens again, contact the national service desk.",
        )
    try:
        return store_outcome(submission, outcome)
    except OSError as error:
        log.exception("storing submission %s failed", submission.pk)
        reason = error.strerror or error.__class__.__name__
        return _fail(
            submission,
            f"The records could not be saved to the record store ({reason}). Nothing was "
            "changed: the data you submitted before are still current. Please upload the "
            "file again later; if it happens again, contact the national service desk.",
        )


def _fail(submission, message):
    with transaction.atomic():
        submission = Submission.objects.select_for_update().get(pk=submission.pk)
        if submission.status in FINISHED:
            return submission
        submission.failure_message = message
        _add_event(submission, Status.FAILED, WORKER, message)
        submission.save(update_fields=["status", "failure_message"])
        record(
            WORKER,
            "submissions.failed",
            target=f"submission:{submission.pk}",
            organisation=submission.organisation,
            details={"period": submission.period},
        )
    return submission


def store_outcome(submission, outcome: engine.EngineOutcome):
    """Move the engine's files into the store and commit what they say; the outcome's work
    folder is removed either way."""
    try:
        report = written = None
        if outcome.issues_path is not None:
            report = store.put_file(outcome.issues_path, store.report_path(submission.pk))
        if outcome.accepted and outcome.records_path is not None:
            written = store.put_file(
                outcome.records_path,
                store.records_path(submission.organisation.code, submission.period, submission.pk),
            )
        try:
            return _commit(submission, outcome, report, written)
        except BaseException:
            # The row was not committed, so the file must not stay visible to anyone.
            if written is not None:
                written.path.unlink(missing_ok=True)
            raise
    finally:
        outcome.close()


def _commit(submission, outcome, report, written):
    with transaction.atomic():
        # One organisation's supersession decisions are made one at a time.
        Organisation.objects.select_for_update().get(pk=submission.organisation_id)
        submission = Submission.objects.select_for_update().get(pk=submission.pk)
        if submission.status in FINISHED:
            return submission
        submission.record_count = outcome.record_count
        submission.error_count = outcome.error_count
        submission.warning_count = outcome.warning_count
        submission.rule_counts = outcome.rule_counts
        submission.file_errors = outcome.file_errors
        submission.rejection = outcome.rejection
        submission.records_accepted = outcome.records_accepted
        submission.records_without_errors = outcome.records_without_errors
        submission.notices = outcome.notices
        submission.records_read = outcome.record_count
        submission.report_path = store.relative(report.path) if report else ""
        details = {
            "period": submission.period,
            "records": outcome.record_count,
            "errors": outcome.error_count,
            "warnings": outcome.warning_count,
            "records_accepted": outcome.records_accepted,
        }
        if not outcome.accepted:
            _add_event(submission, Status.REJECTED, WORKER)
            submission.save()
            record(
                WORKER,
                "submissions.rejected",
                f"submission:{submission.pk}",
                submission.organisation,
                details,
            )
            return submission
        ManifestEntry.objects.create(
            submission=submission,
            organisation=submission.organisation,
            period=submission.period,
            path=store.relative(written.path),
            sha256=written.sha256,
            record_count=outcome.records_accepted,
        )
        _add_event(submission, Status.ACCEPTED, WORKER)
        submission.save()
        record(
            WORKER,
            "submissions.accepted",
            f"submission:{submission.pk}",
            submission.organisation,
            {**details, "parquet_sha256": written.sha256},
        )
        _supersede(submission)
        submission.refresh_from_db()
        return submission


def _supersede(latest):
    """Of the accepted submissions for one organisation and period, the most recently
    received is current; the others become superseded (kept, with their files)."""
    accepted = list(
        Submission.objects.select_for_update().filter(
            organisation=latest.organisation, period=latest.period, status=Status.ACCEPTED
        )
    )
    # Received at the same instant: the one accepted last wins.
    current = max(accepted, key=lambda s: (s.received_at, s.pk == latest.pk))
    older = [s for s in accepted if s.pk != current.pk]
    for submission in older:
        _add_event(submission, Status.SUPERSEDED, WORKER, f"superseded by {current.pk}")
        submission.save(update_fields=["status"])
        record(
            WORKER,
            "submissions.superseded",
            f"submission:{submission.pk}",
            submission.organisation,
            {"period": submission.period, "superseded_by": str(current.pk)},
        )


def resume_stalled(older_than: timedelta = timedelta(minutes=10)) -> list[Submission]:
    """Queue again every submission whose validation stopped (e.g. the worker was killed):
    received or validating with no progress for `older_than`."""
    limit = timezone.now() - older_than
    stalled = [
        submission
        for submission in Submission.objects.filter(status__in=[Status.RECEIVED, Status.VALIDATING])
        if (submission.progress_at or submission.received_at) <= limit
    ]
    for submission in stalled:
        enqueue_validation(submission)
    return stalled


def audit_download(user, submission, entry) -> None:
    with transaction.atomic():
        record(
            user,
            "submissions.records_downloaded",
            target=f"submission:{submission.pk}",
            organisation=submission.organisation,
            details={
                "period": submission.period,
                "records": entry.record_count,
                "parquet_sha256": entry.sha256,
            },
        )
