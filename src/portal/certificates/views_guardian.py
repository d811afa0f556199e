"""Public pages reached only by a token emailed to a registered Caldicott Guardian:
reviewing and signing a certificate, and "Who are our contacts?"."""

from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from portal.certificates import disclosure, services
from portal.certificates.forms import AuthoriseForm, ContactsRequestForm, DeclineForm
from portal.certificates.http import client_ip, posted
from portal.certificates.rules import content_hash
from portal.core.public import public
from portal.core.ratelimits import rate_limited

LINK_PROBLEMS = {
    "unknown": "This link is not recognised. Check you copied all of it from the email.",
    "used": "This link has already been used. Each link works once.",
    "expired": "This link has expired. Contact the national service desk to have a new one "
    "sent to your registered email address.",
    "replaced": "This link has been replaced by a newer one, because the application changed. "
    "Use the link in the most recent email.",
    "closed": "This application has already been decided, so there is nothing to sign.",
    "not_registered": "You are no longer registered as this organisation's Caldicott Guardian, "
    "so we cannot show this information.",
}


def _no_store(response):
    # Pages behind single-use links must not be kept by browsers or proxies.
    response["Cache-Control"] = "no-store"
    # The token in the URL must never reach another site, but the page's own forms must
    # still send their origin: with "no-referrer" browsers send "Origin: null" on the POST
    # and Django's CSRF check refuses the guardian's signature.
    response["Referrer-Policy"] = "same-origin"
    return response


@public
@require_http_methods(["GET", "POST"])
def guardian_review(request, token):
    check = services.check_guardian_link(token)
    if check.problem:
        return _no_store(
            render(
                request,
                "certificates/link_problem.html",
                {"message": LINK_PROBLEMS[check.problem]},
                status=410 if check.problem != "unknown" else 404,
            )
        )
    application = check.link.application
    guardian = check.link.guardian
    action = request.POST.get("action") if request.method == "POST" else None
    authorise_form = AuthoriseForm(
        request.POST if action == "authorise" else None,
        guardian=guardian,
        changes_primary_contact=application.changes_primary_contact,
    )
    decline_form = DeclineForm(request.POST if action == "decline" else None, prefix="decline")
    if action == "authorise" and authorise_form.is_valid():
        try:
            services.authorise_online(
                token,
                typed_name=authorise_form.cleaned_data["typed_name"],
                confirms_primary_contact_change=authorise_form.cleaned_data.get(
                    "confirms_primary_contact_change", False
                ),
                ip_address=client_ip(request),
                user_agent=request.META.get("HTTP_USER_AGENT", ""),
            )
        except services.CertificateError as error:
            authorise_form.add_error(None, str(error))
        else:
            return _no_store(
                render(request, "certificates/guardian/done.html", {"authorised": True})
            )
    if action == "decline" and decline_form.is_valid():
        services.decline_online(
            token, reason=decline_form.cleaned_data["reason"], ip_address=client_ip(request)
        )
        return _no_store(render(request, "certificates/guardian/done.html", {"authorised": False}))
    return _no_store(
        render(
            request,
            "certificates/guardian/review.html",
            {
                "application": application,
                "guardian": guardian,
                "content": application.content,
                "fingerprint": content_hash(application.content),
                "form": authorise_form,
                "decline_form": decline_form,
                "expires_at": check.link.expires_at,
            },
        )
    )


@public
@rate_limited("contacts")
@require_http_methods(["GET", "POST"])
def contacts_request(request):
    form = ContactsRequestForm(posted(request))
    if request.method == "POST" and form.is_valid():
        disclosure.request_contacts(form.cleaned_data["ods_code"], ip_address=client_ip(request))
        return redirect("certificates:contacts-request-sent")
    return render(request, "certificates/contacts/request.html", {"form": form})


@public
@require_GET
def contacts_request_sent(request):
    return render(request, "certificates/contacts/sent.html")


@public
@require_http_methods(["GET", "POST"])
def contacts_disclosure(request, token):
    link, problem = disclosure.check_disclosure_link(token)
    if problem:
        if link is not None:
            disclosure.record_refusal(link, problem, ip_address=client_ip(request))
        return _no_store(
            render(
                request,
                "certificates/link_problem.html",
                {"message": LINK_PROBLEMS[problem]},
                status=410 if problem != "unknown" else 404,
            )
        )
    if request.method == "POST":
        contacts = disclosure.open_disclosure(
            token,
            ip_address=client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
        )
        if contacts is None:
            return _no_store(
                render(
                    request,
                    "certificates/link_problem.html",
                    {"message": LINK_PROBLEMS["used"]},
                    status=410,
                )
            )
        return _no_store(render(request, "certificates/contacts/list.html", {"contacts": contacts}))
    # Opening the link shows a button first, so mail scanners that follow links do not
    # use up the single use.
    return _no_store(
        render(
            request,
            "certificates/contacts/open.html",
            {"organisation": link.organisation, "guardian": link.guardian},
        )
    )
