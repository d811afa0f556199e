"""Forgotten password: ask for a link, then choose a new password with it (ADR 076)."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from portal.accounts import recovery
from portal.accounts.forms import SetPasswordForm
from portal.core.client import client_ip
from portal.core.forms import NHSUKForm
from portal.core.public import public
from portal.core.ratelimits import rate_limited


class ForgottenPasswordForm(NHSUKForm):
    email = forms.EmailField(
        label="Email address",
        help_text="The work email address you sign in with",
        error_messages={
            "required": "Enter your email address",
            "invalid": "Enter an email address in the correct format, like name@example.nhs.uk",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )


@public
@rate_limited("password-reset")
@require_http_methods(["GET", "POST"])
def forgotten_password(request):
    form = ForgottenPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        recovery.request_reset(form.cleaned_data["email"], ip_address=client_ip(request))
        return redirect("accounts:forgotten-password-sent")
    return render(request, "accounts/forgotten_password.html", {"form": form})


@public
@require_GET
def forgotten_password_sent(request):
    minutes = int(settings.PASSWORD_RESET_VALID_FOR.total_seconds() // 60)
    return render(request, "accounts/forgotten_password_sent.html", {"minutes": minutes})


@public
@require_http_methods(["GET", "POST"])
def reset_password(request, token):
    reset = recovery.find(token)
    problem = recovery.problem(reset)
    if problem:
        return render(
            request,
            "accounts/reset_problem.html",
            {"problem": problem},
            status=404 if problem == recovery.UNKNOWN else 410,
        )
    form = SetPasswordForm(reset.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        if recovery.complete_reset(reset, form.cleaned_data["new_password"]):
            messages.info(
                request,
                "Your password has been changed. Sign in with your new password and the code "
                "from your authenticator app.",
            )
            return redirect("accounts:sign-in")
    return render(request, "accounts/reset_password.html", {"form": form})
