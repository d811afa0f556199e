"""Activation from an invitation link: set a password, then enrol TOTP.

GET never changes anything that matters (email scanners open links); the invitation is
used only when a correct code confirms the authenticator app.
"""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from portal.accounts import mfa, services
from portal.accounts.forms import SecurityCodeForm, SetPasswordForm
from portal.core.public import public

ACTIVATING = "portal_activating_invitation"
PROBLEM_STATUS = {services.UNKNOWN: 404}


def _problem_page(request, invitation, problem):
    return render(
        request,
        "accounts/activation_problem.html",
        {
            "problem": problem,
            "invitation": invitation,
            "valid_days": settings.INVITATION_VALID_FOR.days,
        },
        status=PROBLEM_STATUS.get(problem, 410),
    )


def _usable(request, token):
    invitation = services.find_invitation(token)
    problem = services.invitation_problem(invitation)
    if problem:
        return None, _problem_page(request, invitation, problem)
    return invitation, None


@public
@require_http_methods(["GET", "POST"])
def activate(request, token):
    invitation, problem_page = _usable(request, token)
    if problem_page:
        return problem_page
    user = invitation.user
    if services.already_set_up(user):
        if request.method == "POST":
            services.accept_invitation(invitation)
            messages.info(request, "Your new access is ready. Sign in to use it.")
            return redirect("accounts:sign-in")
        return render(request, "accounts/activate_existing.html", {"invitation": invitation})
    form = SetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.set_activation_password(invitation, form.cleaned_data["new_password"])
        request.session[ACTIVATING] = invitation.pk
        return redirect("accounts:activate-mfa", token=token)
    return render(request, "accounts/activate.html", {"form": form, "invitation": invitation})


@public
@require_http_methods(["GET", "POST"])
def activate_mfa(request, token):
    invitation, problem_page = _usable(request, token)
    if problem_page:
        return problem_page
    if request.session.get(ACTIVATING) != invitation.pk:
        # The password step comes first, in this browser.
        return redirect("accounts:activate", token=token)
    user = invitation.user
    form = SecurityCodeForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid() and services.complete_activation(invitation, form.cleaned_data["code"]):
            request.session.pop(ACTIVATING, None)
            messages.info(
                request,
                "Your account is ready. Sign in with your email address, password and the "
                "code from your authenticator app.",
            )
            return redirect("accounts:sign-in")
        if form.is_valid():
            form.add_error(
                "code",
                "The security code is not correct. Enter the 6-digit code your app shows now",
            )
        secret = user.totp_secret  # same pending secret: the person may have scanned it
    if request.method == "GET" or not secret:
        # Each visit shows a new secret; it is never shown again once confirmed.
        secret = mfa.new_secret()
        services.start_totp_enrolment(invitation, secret)
    uri = mfa.provisioning_uri(user.email, secret)
    return render(
        request,
        "accounts/activate_mfa.html",
        {
            "form": form,
            "invitation": invitation,
            "qr_code": mfa.qr_code_svg(uri),
            "secret": secret,
            "secret_grouped": mfa.grouped(secret),
        },
    )
