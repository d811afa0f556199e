"""The public online application: question pages, then "check your answers".

An applicant at the trust need not have an account, so the draft lives in their session
until they submit it; nothing is stored in the database before then.
"""

from django.conf import settings
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from portal.certificates import checks, services
from portal.certificates.forms import (
    GuardianForm,
    OrganisationForm,
    PrimaryContactForm,
    ProgressForm,
    SubmitForm,
    UserForm,
)
from portal.certificates.http import client_ip, posted
from portal.core.public import public
from portal.core.ratelimits import rate_limited

NOT_FOUND = (
    "No application matches that reference and email address. Check both are exactly as in "
    "the email we sent you when you applied."
)
DRAFT_KEY = "certificate_draft"
SENT_KEY = "certificate_sent"


def _draft(request) -> dict:
    return request.session.get(DRAFT_KEY) or {}


def _save(request, draft: dict):
    request.session[DRAFT_KEY] = draft
    request.session.modified = True


def _organisation(draft):
    organisation, problem = checks.find_open_organisation(draft.get("organisation_code", ""))
    return None if problem else organisation


def _people(draft) -> list[dict]:
    primary = [draft["primary_contact"]] if draft.get("primary_contact") else []
    return primary + draft.get("users", [])


@public
@require_GET
def start(request):
    return render(request, "certificates/apply/start.html")


@public
@require_http_methods(["GET", "POST"])
def organisation(request):
    draft = _draft(request)
    form = OrganisationForm(
        posted(request),
        initial={
            "ods_code": draft.get("organisation_code", ""),
            "applicant_email": draft.get("applicant_email", ""),
        },
    )
    if request.method == "POST" and form.is_valid():
        if draft.get("organisation_code") != form.cleaned_data["ods_code"]:
            # A different organisation: its guardian and primary contact differ too.
            draft = {"users": draft.get("users", [])}
        draft["organisation_code"] = form.cleaned_data["ods_code"]
        draft["applicant_email"] = form.cleaned_data["applicant_email"]
        _save(request, draft)
        return redirect(_next(request, "certificates:apply-primary-contact"))
    return render(request, "certificates/apply/organisation.html", {"form": form})


def _next(request, default: str) -> str:
    # "Change" links on check-your-answers come back to it.
    if request.GET.get("return") == "check":
        return reverse("certificates:apply-check")
    return reverse(default)


@public
@require_http_methods(["GET", "POST"])
def primary_contact(request):
    draft = _draft(request)
    org = _organisation(draft)
    if org is None:
        return redirect("certificates:apply-organisation")
    held = draft.get("primary_contact") or {}
    initial = {**held, "changes_primary_contact": draft.get("changes_primary_contact", False)}
    form = PrimaryContactForm(
        posted(request), initial=initial, organisation=org, others=draft.get("users", [])
    )
    if request.method == "POST" and form.is_valid():
        draft["primary_contact"] = form.person(primary_contact=True)
        draft["changes_primary_contact"] = form.cleaned_data["changes_primary_contact"]
        _save(request, draft)
        return redirect(_next(request, "certificates:apply-users"))
    return render(
        request, "certificates/apply/primary_contact.html", {"form": form, "organisation": org}
    )


@public
@require_http_methods(["GET", "POST"])
def users(request):
    draft = _draft(request)
    org = _organisation(draft)
    if org is None:
        return redirect("certificates:apply-organisation")
    if not draft.get("primary_contact"):
        return redirect("certificates:apply-primary-contact")
    added = draft.get("users", [])
    form = UserForm(organisation=org, others=_people(draft))
    if request.method == "POST":
        if "remove" in request.POST:
            email = request.POST["remove"]
            draft["users"] = [u for u in added if u["email"] != email]
            _save(request, draft)
            return redirect("certificates:apply-users")
        if "continue" in request.POST:
            return redirect(_next(request, "certificates:apply-guardian"))
        form = UserForm(request.POST, organisation=org, others=_people(draft))
        if form.is_valid():
            draft["users"] = [*added, form.person()]
            _save(request, draft)
            return redirect("certificates:apply-users")
    return render(
        request,
        "certificates/apply/users.html",
        {
            "form": form,
            "organisation": org,
            "users": added,
            "room": checks.MAX_USERS - len(added),
            "max_users": checks.MAX_USERS,
        },
    )


@public
@require_http_methods(["GET", "POST"])
def guardian(request):
    draft = _draft(request)
    org = _organisation(draft)
    if org is None:
        return redirect("certificates:apply-organisation")
    form = GuardianForm(posted(request), initial=draft.get("guardian"), organisation=org)
    if request.method == "POST" and form.is_valid():
        # Keep the register's spelling: it is what the guardian will see and sign.
        draft["guardian"] = {"name": form.guardian.name, "email": form.guardian.email}
        _save(request, draft)
        return redirect("certificates:apply-check")
    return render(request, "certificates/apply/guardian.html", {"form": form, "organisation": org})


def draft_content(draft: dict) -> dict:
    return {
        "organisation": {"code": draft.get("organisation_code", "")},
        "people": _people(draft),
        "changes_primary_contact": draft.get("changes_primary_contact", False),
        "guardian": draft.get("guardian") or {},
    }


@public
@rate_limited("apply")  # each application emails the named guardian (M7)
@require_http_methods(["GET", "POST"])
def check(request):
    draft = _draft(request)
    org = _organisation(draft)
    if org is None:
        return redirect("certificates:apply-organisation")
    for needed, page in (
        ("applicant_email", "certificates:apply-organisation"),
        ("primary_contact", "certificates:apply-primary-contact"),
        ("guardian", "certificates:apply-guardian"),
    ):
        if not draft.get(needed):
            return redirect(page)
    content = draft_content(draft)
    form = SubmitForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            application, _ = services.submit_online(
                content, applicant_email=draft["applicant_email"], ip_address=client_ip(request)
            )
        except services.ApplicationInvalid as invalid:
            for _, message in invalid.problems:
                form.add_error(None, message)
        else:
            request.session.pop(DRAFT_KEY, None)
            request.session[SENT_KEY] = {
                "reference": application.reference,
                "organisation": org.name,
                "applicant_email": application.applicant_email,
                "guardian": application.guardian.name,
            }
            return redirect("certificates:apply-sent")
    return render(
        request,
        "certificates/apply/check.html",
        {
            "form": form,
            "organisation": org,
            "content": {**content, "organisation": {"code": org.code, "name": org.name}},
            "applicant_email": draft["applicant_email"],
        },
    )


@public
@require_GET
def sent(request):
    summary = request.session.get(SENT_KEY)
    if not summary:
        return redirect("certificates:apply-start")
    return render(
        request,
        "certificates/apply/sent.html",
        {
            "summary": summary,
            "guardian_days": settings.GUARDIAN_LINK_VALID_FOR.days,
            "invitation_days": settings.INVITATION_VALID_FOR.days,
        },
    )


@public
@require_http_methods(["GET", "POST"])
def progress(request):
    """Where an application is, for whoever holds its reference and the applicant's email
    address. A wrong pair gets the same answer whichever half is wrong."""
    form = ProgressForm(posted(request))
    application = None
    if request.method == "POST" and form.is_valid():
        application = services.find_for_applicant(
            form.cleaned_data["reference"], form.cleaned_data["email"]
        )
        if application is None:
            form.add_error(None, NOT_FOUND)
    if application is not None:
        return render(
            request,
            "certificates/apply/progress.html",
            {"application": application, "statuses": application.statuses.all()},
        )
    return render(request, "certificates/apply/progress_ask.html", {"form": form})
