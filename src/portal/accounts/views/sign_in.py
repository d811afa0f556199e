"""Sign-in in two steps (password, then security code) and sign-out.

The views only move the person between pages; every decision is the AuthProvider's.
"""

from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from portal.accounts import throttle
from portal.accounts.auth import complete_sign_in, get_provider
from portal.accounts.forms import SecurityCodeForm, SignInForm
from portal.accounts.models import User
from portal.audit.services import record
from portal.core.public import public

PENDING = "portal_pending_sign_in"
# The security code must follow the password within this many seconds.
PENDING_FOR_SECONDS = 5 * 60


def safe_next(request, candidate: str) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, {request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


@public
@require_http_methods(["GET", "POST"])
def sign_in(request):
    form = SignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        provider = get_provider()
        result = provider.check_first_factor(
            request, email=form.cleaned_data["email"], password=form.cleaned_data["password"]
        )
        if result.ok:
            request.session.cycle_key()
            request.session[PENDING] = {
                "user": result.user.pk,
                "at": timezone.now().timestamp(),
                "next": safe_next(request, request.GET.get("next", "")),
            }
            return redirect("accounts:sign-in-mfa")
        form.add_error(None, result.error)
        if result.throttled:
            return _sign_in_page(request, form, status=429)
    return _sign_in_page(request, form)


def _sign_in_page(request, form, status=200):
    # The "Sign in with NHS CIS2" button shows only when CIS2 is configured.
    context = {"form": form, "cis2_enabled": settings.CIS2_ENABLED}
    return render(request, "accounts/sign_in.html", context, status=status)


def locked_out(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the sign-in page saying the account is locked (429), the
    same whether or not the address belongs to anyone."""
    form = SignInForm({"email": throttle.username(request, credentials), "password": ""})
    form.is_valid()
    form.errors.clear()
    form.add_error(None, throttle.ACCOUNT_LOCKED)
    return _sign_in_page(request, form, status=429)


def _pending_user(request):
    pending = request.session.get(PENDING)
    if not pending or timezone.now().timestamp() - pending["at"] > PENDING_FOR_SECONDS:
        return None, None
    user = User.objects.filter(pk=pending["user"], is_active=True).first()
    return user, pending


@public
@require_http_methods(["GET", "POST"])
def sign_in_mfa(request):
    user, pending = _pending_user(request)
    if user is None:
        request.session.pop(PENDING, None)
        return redirect("accounts:sign-in")
    form = SecurityCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        provider = get_provider()
        result = provider.check_second_factor(request, user=user, code=form.cleaned_data["code"])
        if result.ok:
            request.session.pop(PENDING, None)
            complete_sign_in(request, result.user, provider)
            return redirect(pending["next"] or "core:dashboard")
        form.add_error(None, result.error)
        if result.throttled:
            return render(request, "accounts/sign_in_mfa.html", {"form": form}, status=429)
    return render(request, "accounts/sign_in_mfa.html", {"form": form})


@require_POST
def sign_out(request):
    user = request.user
    logout(request)
    record(user, "accounts.sign_out", target=user.email)
    return redirect("core:home")
