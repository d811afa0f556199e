"""Submissions, their append-only status history and API tokens (the record store's manifest
is portal.store's)."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Status(models.TextChoices):
    RECEIVED = "received", "Received"
    VALIDATING = "validating", "Validating"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"
    SUPERSEDED = "superseded", "Superseded"
    FAILED = "failed", "Failed"
    # Valid, but another accepted file holds the month: waits for the submitter to confirm
    # the replacement (ADR 080), or to keep the accepted file (then "not used").
    AWAITING_CONFIRMATION = "awaiting", "Waiting for you to confirm"
    NOT_USED = "not_used", "Not used"


# Statuses after which validation is over: nothing more happens to the file itself (an
# awaiting file is only confirmed or set aside; an accepted one may be superseded).
FINISHED = (
    Status.ACCEPTED,
    Status.REJECTED,
    Status.SUPERSEDED,
    Status.FAILED,
    Status.AWAITING_CONFIRMATION,
    Status.NOT_USED,
)
# Statuses whose file may be sent again unchanged and checked afresh: a failed attempt, a
# rejection (the reference data may since have been corrected), a file set aside.
RETRYABLE = (Status.FAILED, Status.REJECTED, Status.NOT_USED)


class Channel(models.TextChoices):
    WEB = "web", "Website"
    API = "api", "API"


class Timeliness(models.TextChoices):
    ON_TIME = "on_time", "On time"
    AFTER_PUBLICATION_CUTOFF = "after_cutoff", "After the publication cut-off"
    LATE = "late", "Late"


class Submission(models.Model):
    """One uploaded file for one organisation and reporting period.

    `status` mirrors the latest SubmissionEvent so lists can filter on it; the events are
    the history (who did what, when) and are never changed.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="submissions"
    )
    period = models.CharField(max_length=7, help_text="Reporting period, YYYY-MM")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="submissions"
    )
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.WEB)
    received_at = models.DateTimeField(default=timezone.now)
    file_name = models.CharField(max_length=255)
    file_size = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)
    upload_path = models.CharField(max_length=500, help_text="Key in the record store")
    timeliness = models.CharField(
        max_length=16, choices=Timeliness.choices, default=Timeliness.ON_TIME
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RECEIVED)
    # Progress while validating.
    records_read = models.BigIntegerField(default=0)
    records_expected = models.BigIntegerField(default=0)
    progress_at = models.DateTimeField(null=True, blank=True)
    # The report, once validated.
    record_count = models.BigIntegerField(default=0)
    error_count = models.BigIntegerField(default=0)
    warning_count = models.BigIntegerField(default=0)
    rule_counts = models.JSONField(default=list, blank=True)
    file_errors = models.JSONField(default=list, blank=True)
    # What an error rejected (SUBMISSIONS_REJECTION at the time): the file, or its record.
    rejection = models.CharField(max_length=8, default="file")
    # Records kept in the store, and records with no error (what the national pipeline,
    # which rejects records rather than files, would keep).
    records_accepted = models.BigIntegerField(default=0)
    records_without_errors = models.BigIntegerField(default=0)
    # How the file was read, when the report should say (a CSV file's column order).
    notices = models.JSONField(default=list, blank=True)
    report_path = models.CharField(max_length=500, blank=True)
    failure_message = models.TextField(blank=True)
    # Replacing an accepted month (ADR 080): confirmed in advance (API `replace=true`), and
    # how the file differs from the accepted one, worked out by the worker.
    replace_confirmed = models.BooleanField(default=False)
    replacement = models.JSONField(default=dict, blank=True)
    # The validation task's claim (ADR 082): how many times a worker has started on the
    # file, which worker holds it, and until when (renewed while it works).
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_by = models.CharField(max_length=200, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["organisation", "period", "status"])]
        constraints = [
            # The same file for the same organisation and period is processed once; a
            # failed or rejected attempt, or a file set aside, may be tried again.
            models.UniqueConstraint(
                fields=["organisation", "period", "sha256"],
                condition=~Q(status__in=["failed", "rejected", "not_used"]),
                name="one_live_submission_per_file",
            )
        ]

    def __str__(self):
        return f"{self.organisation.code} {self.period} {self.file_name} ({self.status})"

    @property
    def percent_done(self) -> int:
        if self.status in FINISHED:
            return 100
        if not self.records_expected:
            return 0
        return min(99, int(self.records_read * 100 / self.records_expected))

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED

    @property
    def records_rejected(self) -> int:
        return self.record_count - self.records_accepted


class SubmissionEvent(models.Model):
    """An append-only status row: what happened to a submission, when, and who did it."""

    submission = models.ForeignKey(Submission, on_delete=models.PROTECT, related_name="events")
    status = models.CharField(max_length=16, choices=Status.choices)
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=254)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.status} by {self.actor_label} at {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Submission status rows are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Submission status rows are append-only")


class ApiToken(models.Model):
    """A personal API token. Only its SHA-256 is kept; the token is shown once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    token_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=12)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class ReminderSent(models.Model):
    """One reminder email round to an organisation for a period: sent by the daily command
    (`sent_by` empty, once per organisation and period) or by a service-desk person from
    the chasing list (as often as they choose). Each round is kept and shown."""

    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    period = models.CharField(max_length=7)
    sent_at = models.DateTimeField(default=timezone.now)
    recipients = models.PositiveIntegerField(default=0)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recipient_emails = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "period"],
                condition=Q(sent_by__isnull=True),
                name="one_scheduled_reminder_round",
            )
        ]

    def __str__(self):
        return f"reminder {self.organisation_id} {self.period}"


class SubmissionAuthority(models.Model):
    """Recorded by the service desk: `organisation` submits on behalf of `provider` from
    `valid_from` until `valid_until` (inclusive; open-ended when empty). Records whose site
    belongs to such a provider count for the submitting organisation's file (ADR 081).
    Rows are never deleted; ending one sets `valid_until`, audited."""

    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="submits_for"
    )
    provider = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="submitted_for_by"
    )
    valid_from = models.DateField()
    valid_until = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["organisation__code", "provider__code", "valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(organisation=models.F("provider")), name="authority_not_itself"
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                name="authority_ends_after_it_starts",
            ),
        ]

    def __str__(self):
        return f"{self.organisation_id} for {self.provider_id} from {self.valid_from}"
