"""Submission workflows: receive a file, validate it in the background, store the result.

Each workflow runs in one transaction and writes the audit entry. Audit details carry ids,
hashes and counts only — never file content, file names or anything from the records.
"""

import logging
import os
import socket
import threading
import time
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, IntegrityError, transaction
from django.db import connection as db_connection
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from did.read.zip import inflation_allowance
from portal.accounts import permissions
from portal.accounts.roles import Role
from portal.audit.services import record
from portal.core import processes
from portal.notify import services as notify
from portal.notify.templates import register
from portal.organisations.models import Organisation
from portal.store import api as store
from portal.submissions import authority, calendar, engine, replacement
from portal.submissions.models import (
    FINISHED,
    RETRYABLE,
    Channel,
    Status,
    Submission,
    SubmissionEvent,
    Timeliness,
)

log = logging.getLogger(__name__)
WORKER = "task worker"
PROGRESS_EVERY_SECONDS = 0.5


class SubmissionRefused(ValueError):
    """The request cannot become a submission; the message is for the person."""


class ClaimLost(RuntimeError):
    """This worker's claim on a submission was taken over by another worker (it was not
    renewed within the lease): this worker's outcome is dropped, the other's stands."""


# ---------------------------------------------------------------- who may submit what


def submitter_organisations(user):
    """Organisations this person may submit for (active submitter memberships)."""
    return permissions.organisations_where(user, Role.SUBMITTER)


def contact_organisations(user):
    """Organisations this person is the primary contact for (active memberships)."""
    return permissions.organisations_where(user, Role.PRIMARY_CONTACT)


def visible_submissions(user):
    """Submissions this person may see: those of organisations they submit for."""
    return Submission.objects.filter(organisation__in=submitter_organisations(user))


def current_for(submission) -> Submission | None:
    """The accepted submission that holds the data for this one's organisation and period
    (itself when it is current), or None when the month has no accepted file."""
    return (
        Submission.objects.filter(
            organisation_id=submission.organisation_id,
            period=submission.period,
            status=Status.ACCEPTED,
        )
        .order_by("-received_at")
        .first()
    )


@dataclass(frozen=True)
class PeriodChoice:
    period: str
    label: str
    hint: str
    timeliness: str
    accepted: Submission | None
    unfinished: bool


def period_choices(organisation, on=None) -> list[PeriodChoice]:
    """The months a submitter may choose for an organisation, in the order offered, each
    with what sending a file for it now would mean: the month is not over, it already has
    an accepted file, the publication cut-off has passed, the window has closed."""
    on = on or calendar.today()
    periods = calendar.choosable_periods(on)
    accepted = {}
    for submission in Submission.objects.filter(
        organisation=organisation, period__in=periods, status=Status.ACCEPTED
    ).order_by("received_at"):
        accepted[submission.period] = submission
    choices = []
    for period in periods:
        limits = calendar.deadlines(period)
        when = calendar.timeliness(period, on)
        unfinished = calendar.is_unfinished(period, on)
        parts = []
        if unfinished:
            parts.append("This month is not over yet: send its file after the month ends.")
        if when == Timeliness.LATE:
            parts.append(
                f"Window closed on {limits.window_closes:%-d %B %Y}: a file now will be late."
            )
        elif when == Timeliness.AFTER_PUBLICATION_CUTOFF:
            parts.append(
                f"Too late for the monthly publication (cut-off {limits.publication_cutoff:%-d %B %Y})"
                f"; files accepted until {limits.window_closes:%-d %B %Y}."
            )
        elif not unfinished:
            parts.append(
                f"Due by {limits.publication_cutoff:%-d %B %Y} for the monthly publication."
            )
        current = accepted.get(period)
        if current is not None:
            parts.append(
                f"Already accepted: a file received {current.received_at:%-d %B %Y} "
                f"({current.record_count:,} records). A new file replaces it only if you confirm."
            )
        choices.append(
            PeriodChoice(
                period, calendar.period_label(period), " ".join(parts), when, current, unfinished
            )
        )
    return choices


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
        .exclude(status__in=RETRYABLE)
        .order_by("received_at")
        .first()
    )


class ReplaceNotConfirmed(SubmissionRefused):
    """An API upload for a month that already has an accepted file, without replace=true."""


def accepted_for(organisation, period) -> Submission | None:
    """The accepted submission holding an organisation's data for a period, if any."""
    return (
        Submission.objects.filter(organisation=organisation, period=period, status=Status.ACCEPTED)
        .order_by("-received_at")
        .first()
    )


ALLOWED_EXTENSIONS = (".csv", ".xml", ".zip")


def safe_file_name(name: str) -> str:
    base = os.path.basename(name.replace("\\", "/")).strip() or "upload"
    cleaned = "".join(c if c.isalnum() or c in "._- " else "_" for c in base)
    return cleaned[:200]


def receive(
    user,
    organisation,
    period: str,
    upload,
    channel=Channel.WEB,
    replace: bool | None = None,
):
    """Register an uploaded file as a submission and queue its validation.

    The same file (same SHA-256) for the same organisation and period is recognised and not
    processed again: the earlier submission is returned with duplicate=True.

    `replace`: None (the browser) lets a valid file for a month that already has an
    accepted one wait for the submitter's confirmation; False (the API without
    replace=true) refuses such a file; True replaces the month once the file is accepted.

    `upload` is what the upload handler left in the record store (uploads.StoredUpload):
    its key, name, size and SHA-256, and `discard()`.
    """
    if not submitter_organisations(user).filter(pk=organisation.pk).exists():
        upload.discard()
        raise SubmissionRefused("You are not a submitter for this organisation.")
    calendar.parse_period(period)
    name = safe_file_name(upload.name)
    if not name.lower().endswith(ALLOWED_EXTENSIONS):
        upload.discard()
        raise SubmissionRefused("The file must be a CSV, XML or zip file.")
    earlier = find_duplicate(organisation, period, upload.sha256)
    if earlier is not None:
        upload.discard()
        return Received(earlier, duplicate=True)
    current = accepted_for(organisation, period)
    if replace is False and current is not None:
        upload.discard()
        raise ReplaceNotConfirmed(
            f"{calendar.period_label(period)} already has an accepted file for "
            f"{organisation.code} (received {current.received_at:%d %B %Y at %H:%M}, "
            f"{current.record_count:,} records). Send replace=true to replace it with this "
            "file once it is accepted."
        )
    submission = Submission(
        organisation=organisation,
        period=period,
        submitted_by=user,
        channel=channel,
        file_name=name,
        file_size=upload.size,
        sha256=upload.sha256,
        replace_confirmed=bool(replace),
    )
    submission.upload_path = store.upload_key(submission.pk, name)
    submission.timeliness = calendar.timeliness(period, submission.received_at)
    records = store.records()
    try:
        # Into its place before the transaction (on object storage a copy by the server):
        # until the row commits, the object is an orphan that nothing reads and
        # `portal store-gc` removes.
        upload.close()
        records.move(upload.key, submission.upload_path)
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
                    "replace": bool(replace),
                },
            )
            transaction.on_commit(lambda: enqueue_validation(submission))
    except IntegrityError:
        # Someone uploaded the same file for the same period a moment ago.
        upload.discard()
        records.delete(submission.upload_path, prune=True)
        earlier = find_duplicate(organisation, period, upload.sha256)
        if earlier is None:
            raise
        return Received(earlier, duplicate=True)
    except BaseException:
        upload.discard()
        records.delete(submission.upload_path, prune=True)
        raise
    return Received(submission, duplicate=False)


def enqueue_validation(submission) -> None:
    validate_submission_task.enqueue(str(submission.pk))


# ---------------------------------------------------------------- validating


def _progress_recorder(submission_id):
    last = [0.0]
    me = worker_id()

    def progress(records_read: int) -> None:
        now = time.monotonic()
        if now - last[0] < PROGRESS_EVERY_SECONDS:
            return
        last[0] = now
        Submission.objects.filter(pk=submission_id, claimed_by=me).update(
            records_read=records_read, progress_at=timezone.now()
        )

    return progress


# A validation that has been started this many times without finishing (the worker died,
# e.g. killed for memory, each time) is failed, not tried for ever (issue 16 H2, ADR 082).
MAX_ATTEMPTS = 3
# A worker holds its claim for LEASE and renews it every HEARTBEAT while it works; a claim
# not renewed has been given up (the worker died) and may be taken again.
LEASE = timedelta(seconds=90)
HEARTBEAT_SECONDS = 20.0
EXHAUSTED_MESSAGE = (
    "We tried to check this file {attempts} times and each time the check stopped before it "
    "finished, so we have stopped trying. Nothing was stored, and the data you submitted "
    "before are unchanged. The national service desk has been told and will look into it. "
    "You can send a corrected file at any time."
)

DESK_FAILURE = register(
    "submission_failed_desk",
    "A submission could not be checked: ((organisation)) ((period))",
    """A submission stopped being checked ((attempts)) times and has been marked failed.

Organisation: ((organisation))
Reporting period: ((period))
Submission: ((submission))

The submitter has been told that the desk will look into it. See the submissions overview: ((url))

Submit Diagnostic Imaging Data""",
)


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def claim_abandoned(submission, now=None) -> bool:
    """No worker is working on this claim: it was not renewed in time, or it was made by a
    process on this machine that no longer exists (the worker was killed a moment ago)."""
    now = now or timezone.now()
    if submission.claimed_until is None or submission.claimed_until <= now:
        return True
    host, _, pid = submission.claimed_by.rpartition(":")
    return processes.gone_from_this_machine(host, pid)


def start_validation(submission_id):
    """Claim the submission for this worker and mark it validating; return it, or None if
    there is nothing to do: finished, or held by another worker whose claim is still
    renewed. The row lock is held only for the claim, never while the file is read."""
    me = worker_id()
    now = timezone.now()
    with transaction.atomic():
        submission = (
            Submission.objects.select_for_update(skip_locked=True).filter(pk=submission_id).first()
        )
        if submission is None or submission.status in FINISHED:
            return None  # finished, or another worker is claiming it this instant
        if (
            submission.status == Status.VALIDATING
            and submission.claimed_by != me
            and not claim_abandoned(submission, now)
        ):
            return None
        if submission.attempts >= MAX_ATTEMPTS:
            _fail_exhausted(submission)
            return None
        note = "restarted after an interruption" if submission.status == Status.VALIDATING else ""
        _add_event(submission, Status.VALIDATING, WORKER, note)
        submission.attempts += 1
        submission.claimed_by = me
        submission.claimed_until = now + LEASE
        submission.records_read = 0
        submission.progress_at = now
        submission.save(
            update_fields=[
                "status",
                "attempts",
                "claimed_by",
                "claimed_until",
                "records_read",
                "progress_at",
            ]
        )
    return submission


def _fail_exhausted(submission):
    """Within the claim's transaction: the retry limit is reached. Fail the submission with
    a plain message, audit it, and tell the service desk once it is committed."""
    message = EXHAUSTED_MESSAGE.format(attempts=submission.attempts)
    note = f"stopped after {submission.attempts} attempts"
    _mark_failed(submission, message, note, attempts=submission.attempts)
    transaction.on_commit(lambda: _tell_the_desk(submission))


def _mark_failed(submission, message: str, note: str, **details) -> None:
    """Within the caller's transaction: the submission failed, with a message for the
    person; the event and the audit entry say so."""
    submission.failure_message = message
    _add_event(submission, Status.FAILED, WORKER, note)
    submission.save(update_fields=["status", "failure_message"])
    record(
        WORKER,
        "submissions.failed",
        target=f"submission:{submission.pk}",
        organisation=submission.organisation,
        details={"period": submission.period, **details},
    )


def _tell_the_desk(submission):
    desk = permissions.people_with(None, Role.SERVICE_DESK).filter(is_active=True)
    url = settings.PORTAL_BASE_URL.rstrip("/") + reverse("submissions:desk-overview")
    for person in desk:
        notify.send(
            "submission_failed_desk",
            person.email,
            {
                "organisation": f"{submission.organisation.name} ({submission.organisation.code})",
                "period": calendar.period_label(submission.period),
                "submission": str(submission.pk),
                "attempts": str(submission.attempts),
                "url": url,
            },
        )


def renew_claim(submission_id) -> bool:
    """Extend this worker's claim by LEASE; False when it no longer holds one (another
    worker took the submission over, or it is finished). A plain conditional UPDATE."""
    return bool(
        Submission.objects.filter(
            pk=submission_id, status=Status.VALIDATING, claimed_by=worker_id()
        ).update(claimed_until=timezone.now() + LEASE)
    )


def _claim_lost(submission_id) -> ClaimLost:
    log.warning(
        "submission %s was taken over by another worker; this worker's outcome is dropped",
        submission_id,
    )
    return ClaimLost(str(submission_id))


def _check_claim(submission) -> None:
    """Within the caller's transaction, on the locked row: raise ClaimLost unless this
    worker still holds the claim."""
    if submission.claimed_by != worker_id():
        raise _claim_lost(submission.pk)


@contextmanager
def _claim_kept(submission_id):
    """Renew this worker's claim every HEARTBEAT_SECONDS while the body runs (the engine may
    go a long time between progress reports, e.g. while it writes the records)."""
    stop = threading.Event()

    def renew():
        try:
            while not stop.wait(HEARTBEAT_SECONDS):
                try:
                    if not renew_claim(submission_id):
                        log.warning("the claim on submission %s was lost", submission_id)
                        return
                except DatabaseError:
                    log.warning("could not renew the claim on submission %s", submission_id)
        finally:
            db_connection.close()

    thread = threading.Thread(target=renew, name=f"claim-{submission_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def estimate_records(path) -> int:
    """Count records cheaply for the progress bar: lines (CSV) or ImagingActivity tags (XML).
    A zip member is read no further than the engine would inflate it (a zip bomb costs the
    estimate no more than it costs the check that refuses it)."""

    def count(handle, xml: bool, limit: int | None = None) -> int:
        total, tail, read = 0, b"", 0
        needle = b"<ImagingActivity" if xml else b"\n"
        while (limit is None or read < limit) and (chunk := handle.read(store.CHUNK)):
            read += len(chunk)
            data = tail + chunk
            total += data.count(needle)
            tail = data[-(len(needle) - 1) :] if len(needle) > 1 else b""
        return total

    try:
        if str(path).lower().endswith(".zip"):
            with zipfile.ZipFile(path) as archive:
                return sum(
                    count(
                        archive.open(info),
                        info.filename.lower().endswith(".xml"),
                        inflation_allowance(info),
                    )
                    for info in archive.infolist()
                    if not info.is_dir()
                )
        with open(path, "rb") as handle:
            return count(handle, str(path).lower().endswith(".xml"))
    except (OSError, EOFError, zipfile.BadZipFile, RuntimeError, NotImplementedError):
        return 0  # damaged or encrypted: the engine's check says so


def validate(submission_id) -> Submission | None:
    """Validate one submission with the DID engine and store the outcome. Idempotent: a
    finished submission is left alone, an interrupted one starts again from the file.

    The engine reads a local file: the upload itself on the local store, or a copy in the
    scratch folder from object storage, fetched after the claim, under no lock."""
    submission = start_validation(submission_id)
    if submission is None:
        return None
    with _claim_kept(submission.pk), store.records().local_file(submission.upload_path) as upload:
        submission.records_expected = estimate_records(upload)
        Submission.objects.filter(pk=submission.pk).update(
            records_expected=submission.records_expected
        )
        return _validate_claimed(submission, upload)


@task(queue_name=settings.VALIDATION_QUEUE)
def validate_submission_task(submission_id: str) -> str:
    """The validation worker's task (`portal worker --queue-name validation`)."""
    submission = validate(submission_id)
    if submission is None:
        return "not started: finished, or claimed by another worker"
    return submission.status


def _validate_claimed(submission, upload) -> Submission:
    received = timezone.localtime(submission.received_at).date()
    try:
        outcome = engine.run(
            upload,
            received=received,
            period=submission.period,
            providers=authority.providers_for(submission.organisation, submission.period),
            progress=_progress_recorder(submission.pk),
        )
    except Exception:
        log.exception("validation of submission %s failed", submission.pk)
        return _fail(
            submission,
            "Something went wrong while checking this file. Nothing was stored. "
            "Please try again; if it happens again, contact the national service desk.",
        )
    # Nothing is written under a claim another worker has taken over (its files go to
    # the same names); renewed here, the claim covers the writes that follow.
    if not renew_claim(submission.pk):
        outcome.close()
        raise _claim_lost(submission.pk)
    try:
        stored = store_outcome(submission, outcome)
    except OSError as error:
        log.exception("storing submission %s failed", submission.pk)
        reason = error.strerror or error.__class__.__name__
        return _fail(
            submission,
            f"The records could not be saved to the record store ({reason}). Nothing was "
            "changed: the data you submitted before are still current. Please upload the "
            "file again later; if it happens again, contact the national service desk.",
        )
    if stored.status == Status.AWAITING_CONFIRMATION:
        replacement_difference(stored)
    return stored


def _fail(submission, message):
    with transaction.atomic():
        submission = Submission.objects.select_for_update().get(pk=submission.pk)
        if submission.status in FINISHED:
            return submission
        _check_claim(submission)
        _mark_failed(submission, message, message)
    return submission


def store_outcome(submission, outcome: engine.EngineOutcome):
    """Move the engine's files into the store and commit what they say; the outcome's work
    folder is removed either way."""
    records = store.records()
    try:
        report = written = None
        if outcome.issues_path is not None:
            report = records.put_file(
                outcome.issues_path, store.report_key(submission.pk), move=True
            )
        if outcome.accepted and outcome.records_path is not None:
            written = records.put_file(
                outcome.records_path,
                store.records_key(submission.organisation.code, submission.period, submission.pk),
                move=True,
            )
        try:
            return _commit(submission, outcome, report, written)
        except ClaimLost:
            raise  # the files are under the names the claim's holder writes: theirs now
        except BaseException:
            # The row was not committed, so the object must not stay for anyone to find.
            if written is not None:
                records.delete(written.key)
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
        _check_claim(submission)
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
        submission.report_path = report.key if report else ""
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
        store.register(submission, written, outcome.records_accepted)
        # No good data is replaced without the submitter confirming (ADR 080).
        # A file received before the accepted one never becomes current (_supersede), so
        # only a newer one can replace good data and has to wait.
        waits = not submission.replace_confirmed and (
            Submission.objects.filter(
                organisation=submission.organisation,
                period=submission.period,
                status=Status.ACCEPTED,
                received_at__lte=submission.received_at,
            ).exists()
        )
        _add_event(submission, Status.AWAITING_CONFIRMATION if waits else Status.ACCEPTED, WORKER)
        submission.save()
        record(
            WORKER,
            "submissions.awaiting_confirmation" if waits else "submissions.accepted",
            f"submission:{submission.pk}",
            submission.organisation,
            {**details, "parquet_sha256": written.sha256},
        )
        if not waits:
            _supersede(submission)
        submission.refresh_from_db()
        return submission


def _supersede(latest, current=None):
    """Of the accepted submissions for one organisation and period, `current` (by default
    the most recently received) stays; the others become superseded (kept, with their
    files)."""
    accepted = list(
        Submission.objects.select_for_update().filter(
            organisation=latest.organisation, period=latest.period, status=Status.ACCEPTED
        )
    )
    if current is None:
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


# ---------------------------------------------------------------- replacing a month


class ReplacementChanged(SubmissionRefused):
    """The accepted file changed since the differences were shown."""


def replacement_difference(submission) -> dict:
    """How a file waiting for confirmation differs from the month's accepted file; worked
    out once (by the worker) and again only if the accepted file has changed since."""
    current = accepted_for(submission.organisation, submission.period)
    if current is None or not hasattr(current, "manifest_entry"):
        return {}
    if submission.replacement.get("replaces") == str(current.pk):
        return submission.replacement
    records = store.records()
    with (
        records.local_file(current.manifest_entry.path) as accepted_file,
        records.local_file(submission.manifest_entry.path) as new_file,
    ):
        summary = replacement.difference(accepted_file, new_file)
    summary.update(replaces=str(current.pk), replaces_received_at=current.received_at.isoformat())
    Submission.objects.filter(pk=submission.pk).update(replacement=summary)
    submission.replacement = summary
    return summary


def _awaiting(user, submission_id):
    submission = Submission.objects.select_for_update().get(pk=submission_id)
    if not submitter_organisations(user).filter(pk=submission.organisation_id).exists():
        raise SubmissionRefused("You are not a submitter for this organisation.")
    if submission.status != Status.AWAITING_CONFIRMATION:
        raise SubmissionRefused("This file is no longer waiting for a decision.")
    return submission


def confirm_replacement(user, submission_id, replaces: str) -> Submission:
    """The submitter has seen how the file differs from the accepted one (`replaces`, the
    accepted submission's id as shown) and confirms: the file becomes the month's data."""
    with transaction.atomic():
        # One organisation's supersession decisions are made one at a time (as in _commit).
        organisation_id = Submission.objects.values_list("organisation_id", flat=True).get(
            pk=submission_id
        )
        Organisation.objects.select_for_update().get(pk=organisation_id)
        submission = _awaiting(user, submission_id)
        current = accepted_for(submission.organisation, submission.period)
        if current is not None and str(current.pk) != replaces:
            raise ReplacementChanged(
                "Another file was accepted for this month since you looked. Check the "
                "differences again before you decide."
            )
        _add_event(submission, Status.ACCEPTED, user, "replacement confirmed")
        submission.save(update_fields=["status"])
        record(
            user,
            "submissions.replacement_confirmed",
            f"submission:{submission.pk}",
            submission.organisation,
            {
                "period": submission.period,
                "replaces": replaces or None,
                "records": submission.record_count,
            },
        )
        _supersede(submission, current=submission)
    submission.refresh_from_db()
    return submission


def keep_accepted(user, submission_id) -> Submission:
    """The submitter keeps the accepted file: this one is set aside, its files kept."""
    with transaction.atomic():
        submission = _awaiting(user, submission_id)
        _add_event(submission, Status.NOT_USED, user, "kept the accepted file")
        submission.save(update_fields=["status"])
        record(
            user,
            "submissions.replacement_declined",
            f"submission:{submission.pk}",
            submission.organisation,
            {"period": submission.period},
        )
    return submission


def resume_stalled() -> list[Submission]:
    """Queue again every submission whose validation is not running, whatever its age:
    received (its task may have been lost) or validating under a claim no worker renews
    (the worker died). A submission queued twice is claimed once (start_validation)."""
    now = timezone.now()
    stalled = [
        submission
        for submission in Submission.objects.filter(
            status__in=[Status.RECEIVED, Status.VALIDATING]
        ).order_by("received_at")
        if submission.status == Status.RECEIVED or claim_abandoned(submission, now)
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
