"""Submitter pages: the upload journey, progress, reports, history and downloads.

Every lookup goes through services.visible_submissions / submitter_organisations, so a
person sees only the organisations they submit for; anything else is a 404.
"""

from django.conf import settings
from django.contrib import messages
from django.http import Http404, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from portal.accounts import permissions
from portal.submissions import calendar, exports, report, services, store, uploads
from portal.submissions.forms import OrganisationForm, PeriodForm, UploadForm
from portal.submissions.models import ManifestEntry, Status


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
    return render(
        request,
        "submissions/history.html",
        {"submissions": submissions, "organisations": organisations},
    )


@require_http_methods(["GET", "POST"])
def start(request):
    organisations = list(services.submitter_organisations(request.user))
    if not organisations:
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
    form = PeriodForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        return redirect("submissions:upload", code=code, period=form.cleaned_data["period"])
    return render(request, "submissions/period.html", {"form": form, "organisation": organisation})


@csrf_exempt  # the token is checked by csrf_protect below, after the upload handler is set
@require_http_methods(["GET", "POST"])
def upload(request, code, period):
    # The handler must be installed before anything reads the request body.
    uploads.install(request)
    return _upload(request, code, period)


@csrf_protect
def _upload(request, code, period):
    organisation = _organisation(request, code)
    try:
        calendar.parse_period(period)
    except calendar.InvalidPeriod:
        raise Http404("No such reporting period") from None
    limit = settings.SUBMISSIONS_MAX_UPLOAD_BYTES
    context = {
        "organisation": organisation,
        "period": period,
        "period_label": calendar.period_label(period),
        "deadlines": calendar.deadlines(period),
    }
    if request.method == "POST":
        too_large = uploads.declared_too_large(request)
        if too_large:
            form = UploadForm(data={}, too_large=True, max_bytes=limit)
        else:
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
        context["form"] = form
        return render(request, "submissions/upload.html", context, status=400)
    context["form"] = UploadForm(max_bytes=limit)
    return render(request, "submissions/upload.html", context)


@require_GET
def detail(request, submission_id):
    submission = _submission(request, submission_id)
    try:
        page = max(1, int(request.GET.get("errors_page", "1")))
    except ValueError:
        page = 1
    context = {
        "submission": submission,
        "events": submission.events.select_related("actor"),
        "period_label": calendar.period_label(submission.period),
        "deadlines": calendar.deadlines(submission.period),
    }
    if submission.is_finished:
        errors = report.errors(submission, page)
        context.update(
            errors=errors,
            errors_page=page,
            errors_first=(page - 1) * report.ERRORS_PER_PAGE + 1,
            errors_more=submission.error_count > page * report.ERRORS_PER_PAGE,
            warnings=report.warnings(submission),
            warnings_shown=report.WARNINGS_SHOWN,
            has_records=hasattr(submission, "manifest_entry"),
        )
    return render(request, "submissions/detail.html", context)


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
    response = StreamingHttpResponse(
        exports.issues_csv(report.issues_path(submission)), content_type="text/csv"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="issues-{submission.organisation.code}-{submission.period}-'
        f'{str(submission.pk)[:8]}.csv"'
    )
    return response


@require_GET
def records_csv(request, submission_id):
    submission = _submission(request, submission_id)
    if submission.status not in (Status.ACCEPTED, Status.SUPERSEDED):
        raise Http404("Only accepted records can be downloaded")
    entry = get_object_or_404(ManifestEntry, submission=submission)
    path = store.absolute(entry.path)
    services.audit_download(request.user, submission, entry)
    response = StreamingHttpResponse(exports.records_csv(path), content_type="text/csv")
    response["Content-Disposition"] = (
        f'attachment; filename="records-{submission.organisation.code}-{submission.period}-'
        f'{str(submission.pk)[:8]}.csv"'
    )
    return response
