"""Authentication behind one interface (ADR 030).

Views ask the configured `AuthProvider` to check what the person typed and then call
`complete_sign_in`, which is the only place a portal session starts. The local provider is
password (Argon2) + TOTP; the NHS CIS2 provider (portal.accounts.cis2), when configured,
has a redirect for its first step and the callback for its second, and ends in the same
`complete_sign_in`: portal authorisation (memberships) stays in the portal whichever
provider proved identity.
"""

from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.contrib.auth import authenticate, login
from django.db import transaction
from django.utils import timezone

from portal.accounts import mfa, throttle
from portal.accounts.cis2 import CIS2Provider
from portal.accounts.middleware import SIGNED_IN_AT
from portal.accounts.models import User
from portal.audit.services import record

WRONG_PASSWORD = "The email address or password is not correct"  # noqa: S105 - a message
WRONG_CODE = (
    "The security code is not correct. Enter the 6-digit code your authenticator app shows now"
)
ACCESS_ENDED = (
    "Your access to Submit Diagnostic Imaging Data has ended, so you cannot sign in. If you "
    "think this is a mistake, ask your organisation's Caldicott Guardian or the national "
    "service desk."
)
NOT_ACTIVATED = (
    "Your account has not been set up with an authenticator app yet. Use the link in your "
    "invitation email, or ask the national service desk to send a new invitation."
)


@dataclass(frozen=True)
class StepResult:
    user: User | None = None
    error: str | None = None
    # Refused without checking anything: locked out or throttled (the page answers 429).
    throttled: bool = False

    @property
    def ok(self) -> bool:
        return self.user is not None and self.error is None


class AuthProvider(Protocol):
    name: str
    # Sign-in for every portal role needs a second factor; a provider whose identity
    # provider already did MFA (e.g. CIS2 at AAL2+) reports that here.
    needs_second_factor: bool

    def check_first_factor(self, request, *, email: str, password: str) -> StepResult: ...

    def check_second_factor(self, request, *, user: User, code: str) -> StepResult: ...


class LocalPasswordTOTPProvider:
    """Email + password, then a TOTP code. Throttled per account and per client address
    (portal.accounts.throttle)."""

    name = "local"
    needs_second_factor = True

    def check_first_factor(self, request, *, email: str, password: str) -> StepResult:
        email = throttle.normalise(email)
        refusal = throttle.refusal(request, email)
        if refusal:
            return StepResult(error=refusal, throttled=True)
        ended = User.objects.filter(
            email__iexact=email, is_active=False, activated_at__isnull=False
        ).first()
        if ended is not None:
            # Revoked: told so only after the right password (one hash either way).
            if ended.check_password(password):
                return StepResult(error=ACCESS_ENDED)
            throttle.note_failure(request, email)
            return StepResult(error=WRONG_PASSWORD)
        user = authenticate(request, email=email, password=password)
        if user is None:
            throttle.note_failure(request, email, counted_by_authenticate=True)
            return StepResult(error=WRONG_PASSWORD)
        if not user.has_confirmed_totp:
            return StepResult(error=NOT_ACTIVATED)
        return StepResult(user=user)

    def check_second_factor(self, request, *, user: User, code: str) -> StepResult:
        refusal = throttle.refusal(request, user.email)
        if refusal:
            return StepResult(error=refusal, throttled=True)
        with transaction.atomic():
            user = User.objects.select_for_update().get(pk=user.pk)
            step = mfa.matching_step(user.totp_secret, code)
            # A code that already signed in (same or older step) is refused: no replay.
            if step is None or step <= user.totp_last_used_step or not user.is_active:
                throttle.note_failure(request, user.email)
                return StepResult(error=WRONG_CODE)
            user.totp_last_used_step = step
            user.save(update_fields=["totp_last_used_step"])
        # The count for the account is cleared by axes when complete_sign_in logs in.
        return StepResult(user=user)


def get_provider() -> AuthProvider:
    return LocalPasswordTOTPProvider()


def cis2_provider() -> CIS2Provider | None:
    """The NHS CIS2 provider, or None when CIS2 is not configured (its routes answer 404)."""
    return CIS2Provider() if settings.CIS2_ENABLED else None


def complete_sign_in(request, user: User, provider: AuthProvider) -> None:
    """Start the portal session: the one place every provider ends up."""
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    request.session[SIGNED_IN_AT] = timezone.now().timestamp()
    record(user, "accounts.sign_in", target=user.email, details={"provider": provider.name})
