"""Recovery: a forgotten password by emailed link, a lost authenticator reset by the
service desk (ADR 076).

The link is random, kept only as a SHA-256, valid for settings.PASSWORD_RESET_VALID_FOR,
used once; asking again or completing a reset stops older links. Asking gives the same
answer whether or not the address belongs to anyone; only an active, set-up account gets
an email. A completed reset ends every session the person had. Each step is audited.
"""

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from portal.accounts.models import PasswordReset, User
from portal.accounts.services import end_sessions, normalise_email, send_invitation
from portal.accounts.tokens import hash_token, new_token
from portal.audit.services import record
from portal.notify import services as notify

EXPIRED = "expired"
USED = "used"
UNKNOWN = "unknown"


def reset_url(token: str) -> str:
    return settings.PORTAL_BASE_URL.rstrip("/") + reverse("accounts:reset-password", args=[token])


def request_reset(email: str, *, ip_address: str | None) -> PasswordReset | None:
    """Email a link if the address is an active account's; the caller says the same either
    way. Returns the reset (with .raw_token, for tests) or None."""
    email = normalise_email(email)
    now = timezone.now()
    with transaction.atomic():
        user = User.objects.filter(
            email__iexact=email, is_active=True, totp_confirmed_at__isnull=False
        ).first()
        record(
            "anonymous",
            "accounts.password_reset_requested",
            target=email,
            details={"account_found": user is not None, "ip_address": ip_address or ""},
        )
        if user is None:
            return None
        PasswordReset.objects.filter(
            user=user, used_at__isnull=True, superseded_at__isnull=True
        ).update(superseded_at=now)
        token = new_token()
        reset = PasswordReset.objects.create(
            user=user,
            token_hash=hash_token(token),
            created_at=now,
            expires_at=now + settings.PASSWORD_RESET_VALID_FOR,
        )
        notify.send(
            "password-reset",
            user.email,
            {
                "full_name": user.full_name or user.email,
                "valid_minutes": int(settings.PASSWORD_RESET_VALID_FOR.total_seconds() // 60),
                "reset_link": reset_url(token),
            },
        )
    reset.raw_token = token
    return reset


def find(token: str) -> PasswordReset | None:
    return PasswordReset.objects.select_related("user").filter(token_hash=hash_token(token)).first()


def problem(reset: PasswordReset | None) -> str | None:
    if reset is None or reset.superseded_at is not None or not reset.user.is_active:
        return UNKNOWN
    if reset.used_at is not None:
        return USED
    if timezone.now() >= reset.expires_at:
        return EXPIRED
    return None


def complete_reset(reset: PasswordReset, password: str) -> bool:
    """Set the new password and use the link; False (nothing changed) if it no longer works."""
    with transaction.atomic():
        reset = PasswordReset.objects.select_for_update().select_related("user").get(pk=reset.pk)
        if problem(reset):
            return False
        user = reset.user
        user.set_password(password)
        user.save(update_fields=["password"])
        now = timezone.now()
        reset.used_at = now
        reset.save(update_fields=["used_at"])
        PasswordReset.objects.filter(user=user, used_at__isnull=True).exclude(pk=reset.pk).update(
            superseded_at=now
        )
        end_sessions(user)
        record(user, "accounts.password_reset", target=user.email, details={"reset": reset.pk})
    return True


def reset_authenticator(user: User, *, actor) -> None:
    """The person lost their authenticator: the desk clears it. Their sessions end, they
    cannot sign in until they enrol again, and they get an invitation to do so (a new
    password, then a new authenticator, through the activation pages)."""
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        user.totp_secret = ""
        user.totp_confirmed_at = None
        user.save(update_fields=["totp_secret", "totp_confirmed_at"])
        end_sessions(user)
        first = user.active_memberships().filter(organisation__isnull=False).first()
        organisation = first.organisation if first else None
        record(actor, "accounts.authenticator_reset", target=user.email, organisation=organisation)
        send_invitation(user, organisation=organisation, actor=actor)
