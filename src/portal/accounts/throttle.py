"""Sign-in throttling and lockout (ADR 071): django-axes per account, django-ratelimit per
client address.

- Per account: axes counts failed attempts (password or security code) per email address
  as typed, whether or not it belongs to anyone, so the answer never says which addresses
  exist. After settings.SIGN_IN_MAX_FAILURES_PER_ACCOUNT failures the account is locked for
  settings.SIGN_IN_WINDOW; a successful sign-in clears the count. One account's lock-out
  never affects another's.
- Per client address: the real address of the browser (`portal.core.client.client_ip`,
  which believes only the portal's own TRUSTED_PROXY_COUNT proxies), never the proxy's.
  After settings.SIGN_IN_MAX_FAILURES_PER_IP failures within the window, sign-in from that
  address is refused until the window has passed.
"""

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django_ratelimit.core import is_ratelimited

from portal.core.client import client_ip

ACCOUNT_LOCKED = (
    "There have been too many failed attempts to sign in to this account. For your security, "
    "wait 15 minutes and try again. If you have forgotten your password, contact the national "
    "service desk."
)
IP_THROTTLED = (
    "There have been too many failed attempts to sign in from your network. Wait 15 minutes "
    "and try again."
)
ADDRESS_GROUP = "sign-in-failures-per-address"


def normalise(email: str) -> str:
    return (email or "").strip().lower()


def username(request, credentials=None) -> str:
    """AXES_USERNAME_CALLABLE: the account an attempt is counted against."""
    credentials = credentials or {}
    email = credentials.get("email") or credentials.get("username")
    if email is None and request is not None:
        email = request.POST.get("email", "")
    return normalise(email)


def _address_key(group, request) -> str:
    return client_ip(request) or "unknown"


def _address_limited(request, *, increment: bool) -> bool:
    seconds = int(settings.SIGN_IN_WINDOW.total_seconds())
    return is_ratelimited(
        request,
        group=ADDRESS_GROUP,
        key=_address_key,
        rate=f"{settings.SIGN_IN_MAX_FAILURES_PER_IP - 1}/{seconds}s",
        increment=increment,
    )


def refusal(request, email: str) -> str | None:
    """The message to show if sign-in is locked for this account or address, else None."""
    if not AxesProxyHandler.is_allowed(request, {"email": normalise(email)}):
        return ACCOUNT_LOCKED
    if _address_limited(request, increment=False):
        return IP_THROTTLED
    return None


def note_failure(request, email: str, *, counted_by_authenticate: bool = False) -> None:
    """Count a failed attempt against the account and the address. A wrong password has
    already been counted against the account by django.contrib.auth.authenticate's
    user_login_failed signal; a wrong security code has not."""
    if not counted_by_authenticate:
        user_login_failed.send(
            sender=__name__, credentials={"email": normalise(email)}, request=request
        )
    _address_limited(request, increment=True)
