from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone

from portal.accounts.roles import Role
from portal.core.encryption import EncryptedTextField


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **extra):
        if not email:
            raise ValueError("A user needs an email address")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def get_by_natural_key(self, email):
        return self.get(email__iexact=email)


class User(AbstractBaseUser):
    """A person, identified by their work email address (unique across the portal)."""

    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=200, blank=True)
    job_title = models.CharField(max_length=200, blank=True)
    telephone = models.CharField(max_length=30, blank=True)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)
    # Set when the person finishes activation (password and TOTP); new people wait inactive.
    activated_at = models.DateTimeField(null=True, blank=True)
    # TOTP (RFC 6238) secret. Pending until confirmed with a code; sign-in needs it confirmed.
    # Encrypted at rest: a copy of the database alone must not yield anyone's codes.
    totp_secret = EncryptedTextField(blank=True)
    totp_confirmed_at = models.DateTimeField(null=True, blank=True)
    # The last 30-second step whose code signed in, so a code cannot be replayed.
    totp_last_used_step = models.BigIntegerField(default=0)
    # Sessions that signed in before this moment are ended by SessionEpochMiddleware.
    sessions_valid_after = models.DateTimeField(null=True, blank=True)
    # The person's NHS CIS2 subject (the ID token's `sub`), linked at their first CIS2
    # sign-in, which matched them by email (ADR 077). Null: never signed in with CIS2.
    cis2_subject = models.CharField(max_length=255, unique=True, null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    def __str__(self):
        return self.full_name or self.email

    def active_memberships(self):
        return Membership.objects.active().filter(user=self)

    def has_role(self, role: Role, organisation=None) -> bool:
        return Membership.objects.active(
            user=self, roles=[role], organisation=organisation
        ).exists()

    @property
    def is_service_desk(self) -> bool:
        return self.has_role(Role.SERVICE_DESK)

    @property
    def has_confirmed_totp(self) -> bool:
        return bool(self.totp_secret) and self.totp_confirmed_at is not None


class MembershipQuerySet(models.QuerySet):
    def active(self, *, user=None, organisation=None, roles=None):
        """The one membership query: roles not revoked, optionally of one person, at one
        organisation, of some roles. Every access check and list of people starts here."""
        memberships = self.filter(revoked_at__isnull=True)
        if user is not None:
            memberships = memberships.filter(user=user)
        if organisation is not None:
            memberships = memberships.filter(organisation=organisation)
        if roles:
            memberships = memberships.filter(role__in=list(roles))
        return memberships


class Membership(models.Model):
    """A person's role, for one organisation (or nationally for the service desk)."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="memberships")
    organisation = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
    )
    role = models.CharField(max_length=32, choices=Role.choices)
    granted_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "role"],
                condition=Q(revoked_at__isnull=True),
                name="one_active_membership_per_role",
            ),
            # The form's rule "one primary contact per organisation", held by the database too.
            models.UniqueConstraint(
                fields=["organisation"],
                condition=Q(role=Role.PRIMARY_CONTACT, revoked_at__isnull=True),
                name="one_active_primary_contact_per_organisation",
            ),
            models.CheckConstraint(
                condition=Q(role=Role.SERVICE_DESK, organisation__isnull=True)
                | (~Q(role=Role.SERVICE_DESK) & Q(organisation__isnull=False)),
                name="service_desk_is_national_others_per_organisation",
            ),
        ]

    def __str__(self):
        where = self.organisation.code if self.organisation_id else "national"
        return f"{self.user} – {self.get_role_display()} ({where})"


class Invitation(models.Model):
    """An emailed, single-use link to activate an account. Only the token's SHA-256 is kept."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="invitations")
    organisation = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invitations",
    )
    token_hash = models.CharField(max_length=64, unique=True)
    sent_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    # Set when a newer invitation replaces this one (re-invite): the old link stops working.
    superseded_at = models.DateTimeField(null=True, blank=True)
    # Set when the person's access is revoked before they used the link: it stops working.
    cancelled_at = models.DateTimeField(null=True, blank=True)
    invited_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-sent_at"]

    def __str__(self):
        return f"Invitation for {self.user} sent {self.sent_at:%Y-%m-%d}"

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at

    @property
    def status(self) -> str:
        if self.used_at:
            return "used"
        if self.cancelled_at:
            return "cancelled"
        if self.superseded_at:
            return "replaced"
        if self.is_expired:
            return "expired"
        return "waiting"


class PasswordReset(models.Model):
    """An emailed, single-use link to choose a new password. Only the token's SHA-256 is
    kept; a newer request or a completed reset stops older links."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="password_resets")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Password reset for {self.user} at {self.created_at:%Y-%m-%d %H:%M}"
