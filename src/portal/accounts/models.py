from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone

from portal.accounts.roles import Role


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

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    def __str__(self):
        return self.full_name or self.email

    def active_memberships(self):
        return self.memberships.filter(revoked_at__isnull=True)

    def has_role(self, role: Role, organisation=None) -> bool:
        memberships = self.active_memberships().filter(role=role)
        if organisation is not None:
            memberships = memberships.filter(organisation=organisation)
        return memberships.exists()

    @property
    def is_service_desk(self) -> bool:
        return self.has_role(Role.SERVICE_DESK)


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

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "role"],
                condition=Q(revoked_at__isnull=True),
                name="one_active_membership_per_role",
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
