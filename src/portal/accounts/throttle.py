"""Throttling and lockout for sign-in.

Failures are counted per email address as typed (so the answer is the same whether or not
the address belongs to anyone) and per IP address. While either count within
settings.SIGN_IN_WINDOW is at its limit, sign-in is refused without checking the password.
"""

from django.conf import settings
from django.utils import timezone

from portal.accounts.models import SignInAttempt

ACCOUNT_LOCKED = (
    "There have been too many failed attempts to sign in to this account. For your security, "
    "wait 15 minutes and try again. If you have forgotten your password, contact the national "
    "service desk."
)
IP_THROTTLED = (
    "There have been too many failed attempts to sign in from your network. Wait 15 minutes "
    "and try again."
)


def client_ip(request) -> str | None:
    # REMOTE_ADDR only: X-Forwarded-For can be forged unless a trusted proxy sets it.
    return request.META.get("REMOTE_ADDR") or None


def _failures_since_last_success(email: str, since):
    last_success = (
        SignInAttempt.objects.filter(email=email, succeeded=True, at__gte=since)
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )
    failures = SignInAttempt.objects.filter(email=email, succeeded=False, at__gte=since)
    if last_success is not None:
        failures = failures.filter(at__gt=last_success)
    return failures


def refusal(email: str, ip: str | None) -> str | None:
    """The message to show if sign-in is locked for this email or IP address, else None."""
    since = timezone.now() - settings.SIGN_IN_WINDOW
    if (
        _failures_since_last_success(email, since).count()
        >= settings.SIGN_IN_MAX_FAILURES_PER_ACCOUNT
    ):
        return ACCOUNT_LOCKED
    if ip and (
        SignInAttempt.objects.filter(ip_address=ip, succeeded=False, at__gte=since).count()
        >= settings.SIGN_IN_MAX_FAILURES_PER_IP
    ):
        return IP_THROTTLED
    return None


def note(email: str, ip: str | None, *, succeeded: bool, stage: str) -> None:
    SignInAttempt.objects.create(email=email, ip_address=ip, succeeded=succeeded, stage=stage)
