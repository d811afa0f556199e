"""Submitter pages: the upload journey, progress, reports, history and downloads.

Every lookup goes through services.visible_submissions / submitter_organisations, so a
person sees only the organisations they submit for; anything else is a 404.
"""

from django.conf import settings
from django.contrib import messages
from django.http import Http404, JsonResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from portal.accounts import permissions
from portal.accounts.roles import Role
from portal.store import api as store
from portal.submissions import authority, calendar, desk, exports, report, services, uploads
from portal.submissions.forms import OrganisationForm, PeriodForm, ReplaceForm, UploadForm
from portal.submissions.models import Status


def _organisation(request, code):
    return permissions.organisation_or_404(request.user, "organisations.submit_for", code)


def _submission(request, submission_id):
    return get_object_or_404(
        services.visible_submissions(request.user).select_related("organisation", "submitted_by"),
        pk=submission_id,
    )


@require_GET
def history(request):
    organisations = list(services.submitter_organisations(request.user))
    submissions = (
        services.visible_submissions(request.user)
        .select_related("organisation", "submitted_by")
        .order_by("-received_at")[:500]
    )
    # A primary contact who does not submit sees each month's state for their
    # organisations (not the files: those are the submitters' own) and who submits.
    contact_for = [
        o for o in services.contact_organisations(request.user) if o not in organisations
    ]
    periods = list(reversed(calendar.recent_periods(count=6)))
    return render(
        request,
        "submissions/history.html",
        {
            "submissions": submissions,
            "organisations": organisations,
            "contact_for": [
                (row, list(desk.contacts(row.organisation, (Role.SUBMITTER,))))
                for row in desk.matrix(periods, contact_for)
            ]
            if contact_for
            else [],
            "periods": periods,
            "authorities": list(authority.relationships_of_any([*organisations, *contact_for])),
        },
    )


@require_http_methods(["GET", "POST"])
def start(request):
    organisations = list(services.submitter_organisations(request.user))
    if not organisations:
        if services.contact_organisations(request.user).exists():
            # The reminder email's link, opened by a primary contact who does not submit.
            return redirect("submissions:history")
        raise Http404("You are not a submitter for any organisation")
    if len(organisations) == 1:
        return redirect("submissions:period", code=organisations[0].code)
    form = OrganisationForm(
        request.POST if request.method == "POST" else None, organisations=organisations
    )
    if request.method == "POST" and form.is_valid():
        return redirect("submissions:period", code=form.cleaned_data["organisation"])
    return render(request, "submissions/start.html", {"form": form})


@require_http_methods(["GET", "POST"])
def choose_period(request, code):
    organisation = _organisation(request, code)
    form = PeriodForm(
        request.POST if request.method == "POST" else None,
        choices=services.period_choices(organisation),
    )
    if request.method == "POST" and form.is_valid():
        return redirect("submissions:upload", code=code, period=form.cleaned_data["period"])
    return render(request, "submissions/period.html", {"form": form, "organisation": organisation})


@csrf_exempt  # the token is checked by the gate and csrf_protect below
@require_http_methods(["GET", "POST"])
def upload(request, code, period):
    # Everything that can be decided without the body is decided before it is read, and
    # the upload handler is installed before anything reads it (issue 16 M2, M3).
    organisation = _organisation(request, code)
    try:
        calendar.parse_period(period)
    except calendar.InvalidPeriod:
        raise Http404("No such reporting period") from None
    if request.method == "POST" and uploads.declared_too_large(request):
        # Refused on the declared length alone; no state changes, so no token is needed.
        form = UploadForm(data={}, too_large=True, max_bytes=settings.SUBMISSIONS_MAX_UPLOAD_BYTES)
        return _upload_page(request, organisation, period, form, status=400)
    uploads.install(request, gate=uploads.csrf_gate(request))
    return _upload(request, organisation, period)


def _upload_page(request, organisation, period, form, status=200):
    context = {
        "organisation": organisation,
        "period": period,
        "period_label": calendar.period_label(period),
        "deadlines": calendar.deadlines(period),
        "accepted": services.accepted_for(organisation, period),
        # What a file sent now would be, said before it is sent.
        "timeliness": calendar.timeliness(period, calendar.today()),
        "unfinished": calendar.is_unfinished(period),
        "form": form,
    }
    return render(request, "submissions/upload.html", context, status=status)


@csrf_protect
def _upload(request, organisation, period):
    limit = settings.SUBMISSIONS_MAX_UPLOAD_BYTES
    if request.method != "POST":
        return _upload_page(request, organisation, period, UploadForm(max_bytes=limit))
    form = UploadForm(
        request.POST,
        request.FILES,
        too_large=getattr(request, "upload_too_large", False),
        max_bytes=limit,
    )
    if form.is_valid():
        try:
            received = services.receive(
                request.user, organisation, period, form.cleaned_data["file"]
            )
        except services.SubmissionRefused as error:
            form.add_error("file", str(error))
        else:
            if received.duplicate:
                earlier = received.submission
                messages.info(
                    request,
                    "You have already uploaded this file for "
                    f"{calendar.period_label(period)} (on "
                    f"{earlier.received_at:%d %B %Y at %H:%M}). We have not processed it "
                    "again: this is the earlier submission.",
                )
            return redirect("submissions:detail", submission_id=received.submission.pk)
    return _upload_page(request, organisation, period, form, status=400)


def _page_number(value) -> int:
    try:
        return max(1, int(value or "1"))
    except ValueError:
        return 1


@require_GET
def detail(request, submission_id):
    submission = _submission(request, submission_id)
    context = {
        "submission": submission,
        "events": submission.events.select_related("actor"),
        "period_label": calendar.period_label(submission.period),
        "deadlines": calendar.deadlines(submission.period),
    }
    if submission.is_finished:
        rule = request.GET.get("rule") or None
        if rule not in report.known_rules(submission):
            rule = None
        severity = request.GET.get("severity")
        if rule or severity not in report.SEVERITIES:
            severity = None if rule else report.default_severity(submission)
        issues = report.page(
            submission, number=_page_number(request.GET.get("page")), rule=rule, severity=severity
        )
        context.update(
            issues=issues,
            page_url=_page_url(rule, severity),
            has_records=hasattr(submission, "manifest_entry"),
            current=services.current_for(submission),
            other_providers=report.other_providers(submission),
        )
    return render(request, "submissions/detail.html", context)


def _page_url(rule, severity) -> str:
    """The query string a page link starts with (the page number is appended)."""
    query = QueryDict(mutable=True)
    if rule:
        query["rule"] = rule
    elif severity:
        query["severity"] = severity
    return "?" + (query.urlencode() + "&" if query else "") + "page="


@require_http_methods(["GET", "POST"])
def replace(request, submission_id):
    """Show how a file waiting for confirmation differs from the accepted one; decide."""
    submission = _submission(request, submission_id)
    if submission.status != Status.AWAITING_CONFIRMATION:
        return redirect("submissions:detail", submission_id=submission.pk)
    difference = services.replacement_difference(submission)
    form = ReplaceForm(
        request.POST if request.method == "POST" else None,
        initial={"replaces": difference.get("replaces", "")},
    )
    if request.method == "POST" and form.is_valid():
        try:
            if form.cleaned_data["decision"] == "replace":
                services.confirm_replacement(
                    request.user, submission.pk, form.cleaned_data["replaces"]
                )
                messages.success(
                    request,
                    f"This file now holds the data for {calendar.period_label(submission.period)}.",
                )
            else:
                services.keep_accepted(request.user, submission.pk)
                messages.info(request, "You kept the accepted file. This file was not used.")
        except services.ReplacementChanged as error:
            # Show the differences from the file now accepted, and ask again.
            difference = services.replacement_difference(submission)
            form = ReplaceForm(initial={"replaces": difference.get("replaces", "")})
            form.add_error(None, str(error))
        except services.SubmissionRefused:
            return redirect("submissions:detail", submission_id=submission.pk)
        else:
            return redirect("submissions:detail", submission_id=submission.pk)
    current = services.accepted_for(submission.organisation, submission.period)
    return render(
        request,
        "submissions/replace.html",
        {
            "submission": submission,
            "current": current,
            "difference": difference,
            "change": f"{difference.get('new_total', 0) - difference.get('previous_total', 0):+,}",
            "form": form,
            "period_label": calendar.period_label(submission.period),
        },
        status=400 if form.errors else 200,
    )


@require_GET
def status(request, submission_id):
    submission = _submission(request, submission_id)
    return JsonResponse(
        {
            "id": str(submission.pk),
            "status": submission.status,
            "status_label": submission.get_status_display(),
            "finished": submission.is_finished,
            "records_read": submission.records_read,
            "records_expected": submission.records_expected,
            "percent": submission.percent_done,
            "url": reverse("submissions:detail", args=[submission.pk]),
        }
    )


@require_GET
def issues_csv(request, submission_id):
    submission = _submission(request, submission_id)
    if not submission.is_finished:
        raise Http404("The report is not ready yet")
    key = report.issues_key(submission)
    stored = store.records().parquet_file(key) if key else None
    response = _download(exports.issues_csv(stored))
    response["Content-Disposition"] = (
        f'attachment; filename="issues-{submission.organisation.code}-{submission.period}-'
        f'{str(submission.pk)[:8]}.csv"'
    )
    return response


@require_GET
def records_csv(request, submission_id):
    submission = _submission(request, submission_id)
    if submission.status not in (
        Status.ACCEPTED,
        Status.SUPERSEDED,
        Status.AWAITING_CONFIRMATION,
        Status.NOT_USED,
    ):
        raise Http404("Only accepted records can be downloaded")
    entry = get_object_or_404(store.ManifestEntry, submission=submission)
    stored = store.records().parquet_file(entry.path)
    services.audit_download(request.user, submission, entry)
    response = _download(exports.records_csv(stored))
    response["Content-Disposition"] = (
        f'attachment; filename="records-{submission.organisation.code}-{submission.period}-'
        f'{str(submission.pk)[:8]}.csv"'
    )
    return response


def _download(chunks) -> StreamingHttpResponse:
    """A CSV download: UTF-8 said outright, and never kept by a browser or proxy cache
    (the records and issues are patient data)."""
    response = StreamingHttpResponse(chunks, content_type="text/csv; charset=utf-8")
    response["Cache-Control"] = "no-store"
    return response
