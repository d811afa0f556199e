"""NHS CIS2 sign-in: the button's redirect and the callback (ADR 077).

Both answer 404 when CIS2 is not configured; every decision is the provider's.
"""

from django.conf import settings
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render

from portal.accounts.auth import cis2_provider, complete_sign_in
from portal.accounts.cis2 import UNAVAILABLE, CIS2Unavailable
from portal.accounts.views.sign_in import safe_next
from portal.core.public import public

# What each problem answers: CIS2 down is not the person's fault.
STATUS = {UNAVAILABLE: 503}


def _provider_for(request):
    provider = cis2_provider()
    if provider is None:
        raise Http404
    if request.method != "GET":
        return provider, HttpResponseNotAllowed(["GET"])
    return provider, None


def _problem(request, problem):
    return render(
        request,
        "accounts/cis2_problem.html",
        {"problem": problem, "service_desk_email": settings.SERVICE_DESK_EMAIL},
        status=STATUS.get(problem, 403),
    )


@public
def cis2_start(request):
    provider, refusal = _provider_for(request)
    if refusal:
        return refusal
    try:
        url = provider.authorisation_url(
            request, next_url=safe_next(request, request.GET.get("next", ""))
        )
    except CIS2Unavailable:
        return _problem(request, UNAVAILABLE)
    return redirect(url)


@public
def cis2_callback(request):
    provider, refusal = _provider_for(request)
    if refusal:
        return refusal
    result, next_url = provider.check_callback(request)
    if not result.ok:
        return _problem(request, result.problem)
    complete_sign_in(request, result.user, provider)
    return redirect(next_url or "core:dashboard")
