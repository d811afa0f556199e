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
    AddAnotherForm,
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


def _people_draft(request):
    """The draft, its organisation, and where to go instead when earlier answers are missing."""
    draft = _draft(request)
    org = _organisation(draft)
    if org is None:
        return draft, None, redirect("certificates:apply-organisation")
    if not draft.get("primary_contact"):
        return draft, org, redirect("certificates:apply-primary-contact")
    return draft, org, None


def _returning(request) -> str:
    return "?return=check" if request.GET.get("return") == "check" else ""


@public
@require_http_methods(["GET", "POST"])
def users(request):
    """NHS.UK "add another": the people added so far, each with Change and Remove, then
    "Do you need to add another person?". Each person is added on a page of its own, so
    nothing half-typed can be left behind when the applicant moves on."""
    draft, org, elsewhere = _people_draft(request)
    if elsewhere:
        return elsewhere
    added = draft.get("users", [])
    room = checks.MAX_USERS - len(added)
    form = AddAnotherForm(added=len(added))
    if request.method == "POST":
        if "remove" in request.POST:
            index = _user_index(request.POST["remove"], added)
            if index is not None:
                draft["users"] = added[:index] + added[index + 1 :]
                _save(request, draft)
            return redirect(reverse("certificates:apply-users") + _returning(request))
        if room <= 0:
            return redirect(_next(request, "certificates:apply-guardian"))
        form = AddAnotherForm(request.POST, added=len(added))
        if form.is_valid():
            if form.wants_another:
                return redirect(reverse("certificates:apply-user-add") + _returning(request))
            return redirect(_next(request, "certificates:apply-guardian"))
    return render(
        request,
        "certificates/apply/users.html",
        {
            "form": form,
            "organisation": org,
            "users": added,
            "room": room,
            "max_users": checks.MAX_USERS,
            "returning": _returning(request),
        },
    )


def _user_index(value, added) -> int | None:
    """A person's place in the list from its 1-based number in a URL or button."""
    try:
        index = int(value) - 1
    except (TypeError, ValueError):
        return None
    return index if 0 <= index < len(added) else None


@public
@require_http_methods(["GET", "POST"])
def user_add(request):
    draft, org, elsewhere = _people_draft(request)
    if elsewhere:
        return elsewhere
    added = draft.get("users", [])
    list_page = reverse("certificates:apply-users") + _returning(request)
    if len(added) >= checks.MAX_USERS:
        return redirect(list_page)
    form = UserForm(posted(request), organisation=org, others=_people(draft))
    if request.method == "POST" and form.is_valid():
        draft["users"] = [*added, form.person()]
        _save(request, draft)
        return redirect(list_page)
    return render(
        request,
        "certificates/apply/user.html",
        {"form": form, "organisation": org, "back": list_page, "person": None},
    )


@public
@require_http_methods(["GET", "POST"])
def user_change(request, number: int):
    draft, org, elsewhere = _people_draft(request)
    if elsewhere:
        return elsewhere
    added = draft.get("users", [])
    index = _user_index(number, added)
    if index is None:
        return redirect("certificates:apply-users")
    others = [draft["primary_contact"], *added[:index], *added[index + 1 :]]
    done = _next(request, "certificates:apply-users")
    form = UserForm(posted(request), initial=added[index], organisation=org, others=others)
    if request.method == "POST" and form.is_valid():
        draft["users"] = [*added[:index], form.person(), *added[index + 1 :]]
        _save(request, draft)
        return redirect(done)
    return render(
        request,
        "certificates/apply/user.html",
        {"form": form, "organisation": org, "back": done, "person": added[index]},
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


def _with_change_links(people: list[dict]) -> list[dict]:
    """Each person as shown on check your answers, with the question page that changes them
    (which comes back here)."""
    shown = []
    number = 0
    for person in people:
        if person["primary_contact"]:
            url = reverse("certificates:apply-primary-contact")
        else:
            number += 1
            url = reverse("certificates:apply-user-change", args=[number])
        shown.append({**person, "change_url": f"{url}?return=check"})
    return shown


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
            "content": {
                **content,
                "organisation": {"code": org.code, "name": org.name},
                "people": _with_change_links(content["people"]),
            },
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
