"""Service-desk pages: the Caldicott Guardian register, the paper route and the queue."""

from django.contrib import messages
from django.db.models import Count
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.accounts import permissions
from portal.certificates import register, services
from portal.certificates.forms import (
    GuardianEntryForm,
    PaperCertificateForm,
    RegisterImportForm,
    RejectForm,
)
from portal.certificates.http import files, posted
from portal.certificates.models import Application, CaldicottGuardian, State
from portal.certificates.rules import content_hash


@permissions.require("portal.service_desk")
@require_http_methods(["GET", "POST"])
def guardians(request):
    form = GuardianEntryForm(posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        guardian = register.add_guardian(
            organisation=form.organisation,
            name=data["name"],
            email=data["email"],
            telephone=data["telephone"],
            registered_from=data["registered_from"],
            registered_to=data["registered_to"],
            actor=request.user,
        )
        messages.success(
            request, f"{guardian.name} added to the register for {guardian.organisation}."
        )
        return redirect("certificates:guardians")
    today = timezone.localdate()
    entries = CaldicottGuardian.objects.select_related("organisation").order_by(
        "organisation__code", "-registered_from"
    )
    return render(
        request,
        "certificates/desk/guardians.html",
        {
            "form": form,
            "entries": [(g, g.is_current(today)) for g in entries],
            "import_form": RegisterImportForm(),
        },
    )


@permissions.require("portal.service_desk")
@require_http_methods(["GET", "POST"])
def guardians_import(request):
    form = RegisterImportForm(posted(request), files(request))
    problems = []
    if request.method == "POST" and form.is_valid():
        try:
            result = register.import_csv(form.cleaned_data["file"].read(), actor=request.user)
        except register.RegisterImportError as error:
            problems = error.problems
            form.add_error(
                "file", "The file has problems, so nothing was added. Fix them and upload it again"
            )
        else:
            messages.success(
                request,
                f"Register imported: {result.added} added, {result.unchanged} already present.",
            )
            return redirect("certificates:guardians")
    return render(
        request, "certificates/desk/guardians_import.html", {"form": form, "problems": problems}
    )


@permissions.require("portal.service_desk")
@require_GET
def queue(request):
    state = request.GET.get("state") or State.AWAITING_DESK
    if state not in State.values:
        raise Http404("No such state")
    counts = dict(
        Application.objects.values_list("state").annotate(n=Count("id")).values_list("state", "n")
    )
    applications = (
        Application.objects.filter(state=state)
        .select_related("organisation")
        .order_by("state_changed_at")
    )
    now = timezone.now()
    return render(
        request,
        "certificates/desk/queue.html",
        {
            "state": state,
            "state_label": State(state).label,
            "tabs": [(s, label, counts.get(s, 0)) for s, label in State.choices],
            "rows": [
                (a, (now - a.created_at).days, (now - a.state_changed_at).days)
                for a in applications
            ],
        },
    )


@permissions.require("portal.service_desk")
@require_GET
def application_detail(request, pk):
    application = get_object_or_404(
        Application.objects.select_related("organisation", "guardian"), pk=pk
    )
    return _detail(request, application)


def _detail(request, application, *, reject_form=None, approve_error=None, status=200):
    authorisation = application.current_authorisation()
    return render(
        request,
        "certificates/desk/detail.html",
        {
            "application": application,
            "content": application.content,
            "statuses": application.statuses.select_related("actor"),
            "authorisation": authorisation,
            "signature_valid": services.signature_still_valid(application),
            "fingerprint": content_hash(application.content),
            "reject_form": reject_form or RejectForm(),
            "approve_error": approve_error,
            "is_open": application.state in (State.AWAITING_GUARDIAN, State.AWAITING_DESK),
            "conflicts": services.people_of_other_organisations(application)
            if application.state == State.AWAITING_DESK
            else [],
        },
        status=status,
    )


@permissions.require("portal.service_desk")
@require_POST
def approve(request, pk):
    application = get_object_or_404(Application, pk=pk)
    try:
        result = services.approve(
            application,
            actor=request.user,
            conflicts_confirmed=request.POST.get("confirm_conflicts") == "on",
        )
    except services.CertificateError as error:
        application.refresh_from_db()
        return _detail(request, application, approve_error=str(error), status=409)
    if result.approved:
        messages.success(request, result.message)
    else:
        messages.warning(request, result.message)
    return redirect("certificates:application", pk=application.pk)


@permissions.require("portal.service_desk")
@require_POST
def resend_guardian_link(request, pk):
    application = get_object_or_404(Application.objects.select_related("guardian"), pk=pk)
    try:
        services.resend_guardian_link(application, actor=request.user)
    except services.CertificateError as error:
        application.refresh_from_db()
        return _detail(request, application, approve_error=str(error), status=409)
    messages.success(
        request,
        f"A new link has been sent to {application.guardian.name} at the register's address.",
    )
    return redirect("certificates:application", pk=application.pk)


@permissions.require("portal.service_desk")
@require_POST
def reject(request, pk):
    application = get_object_or_404(Application, pk=pk)
    form = RejectForm(request.POST)
    if not form.is_valid():
        return _detail(request, application, reject_form=form, status=400)
    try:
        services.reject(application, actor=request.user, reason=form.cleaned_data["reason"])
    except services.CertificateError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{application.reference} rejected.")
    return redirect("certificates:application", pk=application.pk)


@permissions.require("portal.service_desk")
@require_GET
def scan(request, pk):
    application = get_object_or_404(Application, pk=pk)
    authorisation = application.authorisations.exclude(scan="").order_by("-id").first()
    if authorisation is None:
        raise Http404("No scan")
    response = FileResponse(authorisation.scan.open("rb"), as_attachment=True)
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@permissions.require("portal.service_desk")
@require_http_methods(["GET", "POST"])
def paper(request):
    form = PaperCertificateForm(posted(request), files(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            application = services.record_paper(
                form.content,
                scan=data["scan"],
                verification_method=data["verification_method"],
                verification_notes=data["verification_notes"],
                confirms_primary_contact_change=data["confirms_primary_contact_change"],
                actor=request.user,
            )
        except services.ApplicationInvalid as invalid:
            for _, message in invalid.problems:
                form.add_error(None, message)
        else:
            messages.success(request, f"{application.reference} recorded and waiting for approval.")
            return redirect("certificates:application", pk=application.pk)
    return render(request, "certificates/desk/paper.html", {"form": form})
