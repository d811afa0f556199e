"""Data User Certificates: the Caldicott Guardian register, applications and their evidence.

An application's content (organisation, people, guardian) is one canonical JSON document,
so the guardian's authorisation can hold a SHA-256 of exactly what they saw; any change
to the content no longer matches that hash and voids the authorisation.
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class GuardianQuerySet(models.QuerySet):
    def current(self, on: datetime.date | None = None):
        """Guardians registered on `on` (today): from ≤ day and (no end or end ≥ day)."""
        day = on or timezone.localdate()
        return self.filter(registered_from__lte=day).filter(
            Q(registered_to__isnull=True) | Q(registered_to__gte=day)
        )

    def is_registered(self, organisation, email: str) -> bool:
        """The email (in any case) is on the organisation's register today."""
        return self.current().filter(organisation=organisation, email__iexact=email).exists()


class CaldicottGuardian(models.Model):
    """One entry of the Caldicott Guardian register, kept by the service desk.

    ODS publishes no download of the register, so the desk keeps it here by hand or by
    CSV import. Entries are never deleted: an ended registration gets a `registered_to`.
    """

    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="guardians"
    )
    name = models.CharField(max_length=200)
    email = models.EmailField()
    telephone = models.CharField(max_length=30, blank=True)
    registered_from = models.DateField()
    registered_to = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = GuardianQuerySet.as_manager()

    class Meta:
        ordering = ["organisation__code", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(registered_to__isnull=True)
                | Q(registered_to__gte=models.F("registered_from")),
                name="guardian_registration_ends_after_it_starts",
            )
        ]

    def __str__(self):
        return f"{self.name} ({self.organisation.code})"

    def is_current(self, on: datetime.date | None = None) -> bool:
        day = on or timezone.localdate()
        return self.registered_from <= day and (
            self.registered_to is None or self.registered_to >= day
        )


class State(models.TextChoices):
    AWAITING_GUARDIAN = "awaiting_guardian", "Waiting for the Caldicott Guardian"
    AWAITING_DESK = "awaiting_desk", "Waiting for the service desk"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected by the service desk"
    DECLINED = "declined", "Declined by the Caldicott Guardian"
    VOIDED = "voided", "Authorisation voided by a change"


OPEN_STATES = (State.AWAITING_GUARDIAN, State.AWAITING_DESK)


class Route(models.TextChoices):
    ONLINE = "online", "Online, signed by the guardian's link"
    PAPER = "paper", "Paper or emailed form, recorded by the service desk"


class Application(models.Model):
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="applications"
    )
    guardian = models.ForeignKey(
        CaldicottGuardian, on_delete=models.PROTECT, related_name="applications"
    )
    route = models.CharField(max_length=10, choices=Route.choices, default=Route.ONLINE)
    content = models.JSONField()
    # Where the outcome is emailed, and half of the key to look the application up. Not
    # part of the signed content: the guardian authorises people's access, not who asked.
    applicant_email = models.EmailField(blank=True)
    # The latest ApplicationStatus, kept here for queries; the status rows are the record.
    state = models.CharField(max_length=20, choices=State.choices)
    state_changed_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["state", "created_at"])]

    def __str__(self):
        return f"{self.reference} for {self.organisation.code}"

    @property
    def reference(self) -> str:
        return f"DUC-{self.pk:06d}"

    @property
    def people(self) -> list[dict]:
        return self.content.get("people", [])

    @property
    def changes_primary_contact(self) -> bool:
        return bool(self.content.get("changes_primary_contact"))

    @property
    def primary_contact(self) -> dict | None:
        return next((p for p in self.people if p.get("primary_contact")), None)

    def current_authorisation(self):
        return self.authorisations.filter(voided_at__isnull=True).order_by("-id").first()


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise RuntimeError("Application status rows are append-only; they cannot be changed.")

    def delete(self):
        raise RuntimeError("Application status rows are append-only; they cannot be deleted.")


class ApplicationStatus(models.Model):
    """One transition of an application, naming who made it. Never updated or deleted."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="statuses")
    state = models.CharField(max_length=20, choices=State.choices)
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Who acted, in words: a user's email, "Caldicott Guardian: <name>", or "applicant".
    actor_label = models.CharField(max_length=254)
    reason = models.TextField(blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]
        verbose_name_plural = "application statuses"

    def __str__(self):
        return f"{self.application.reference}: {self.state} by {self.actor_label}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise RuntimeError("Application status rows are append-only; they cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("Application status rows are append-only; they cannot be deleted.")


class GuardianLink(models.Model):
    """The emailed, single-use link that lets the registered guardian review and sign."""

    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="guardian_links"
    )
    guardian = models.ForeignKey(CaldicottGuardian, on_delete=models.PROTECT, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    # Set when a newer link replaces this one (the application changed and was re-sent).
    superseded_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"Guardian link for {self.application.reference}"

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at


class VerificationMethod(models.TextChoices):
    EMAILED_FROM_REGISTERED_ADDRESS = (
        "emailed_from_registered_address",
        "Emailed from the guardian's registered address",
    )
    WET_SIGNATURE_COMPARED = "wet_signature_compared", "Wet signature compared with one on file"
    PHONED_REGISTERED_NUMBER = (
        "phoned_registered_number",
        "Phoned the guardian on the registered number",
    )


def _scan_path(instance, filename):
    # Never trust the uploaded name: only the checked extension is kept.
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    stamp = timezone.now().strftime("%Y%m%d%H%M%S%f")
    return f"certificates/scans/{instance.application_id}-{stamp}.{extension}"


class Authorisation(models.Model):
    """A guardian's signature on one exact version of an application.

    Online: who (the register entry), when, IP address, user agent and the typed name.
    Paper: the scan, and who at the desk verified it against the register, when and how.
    Either way `content_hash` is the SHA-256 of the canonical content that was signed.
    """

    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="authorisations"
    )
    guardian = models.ForeignKey(CaldicottGuardian, on_delete=models.PROTECT, related_name="+")
    route = models.CharField(max_length=10, choices=Route.choices)
    authorised_at = models.DateTimeField(default=timezone.now)
    content_hash = models.CharField(max_length=64)
    confirmed_primary_contact_change = models.BooleanField(default=False)
    # Online signature.
    typed_name = models.CharField(max_length=200, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)
    # Paper route.
    scan = models.FileField(upload_to=_scan_path, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    verification_method = models.CharField(
        max_length=40, choices=VerificationMethod.choices, blank=True
    )
    verification_notes = models.TextField(blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["authorised_at", "id"]

    def __str__(self):
        return f"Authorisation of {self.application.reference} by {self.guardian.name}"


class DisclosureLink(models.Model):
    """A single-use link, sent to a registered guardian, that lists the organisation's contacts."""

    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    guardian = models.ForeignKey(CaldicottGuardian, on_delete=models.PROTECT, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"Contacts link for {self.organisation.code}"

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at
