"""The REST API for radiology systems that submit automatically (django-ninja, OpenAPI 3).

Authentication: `Authorization: Bearer <token>` with a personal token made on the
"API tokens" page. The middleware has already checked it; the ninja auth class below
checks again (and the permission, portal.accounts.permissions) so every operation declares
its security in the schema.
"""

from datetime import datetime

from django.conf import settings
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import File, Form, NinjaAPI, Schema
from ninja import Status as Reply
from ninja.files import UploadedFile

from portal.accounts import permissions
from portal.core.ratelimits import ApiRateLimit
from portal.submissions import calendar, report, services, tokens, uploads
from portal.submissions.models import Channel

api = NinjaAPI(
    title="DID Portal API",
    version="1",
    description="Submit Diagnostic Imaging Data Set files and read their validation reports.",
    # Every operation is for submitters (ADR 070); others' tokens get 404.
    auth=permissions.ApiPermission("portal.submit", tokens.authenticate),
    urls_namespace="api",
    docs_url=None,
    throttle=[ApiRateLimit("api")],
)


class SubmissionOut(Schema):
    id: str
    organisation: str
    period: str
    status: str
    duplicate: bool = False
    file_name: str
    sha256: str
    received_at: datetime
    timeliness: str
    records_read: int
    records_expected: int
    percent: int
    record_count: int
    error_count: int
    warning_count: int
    failure_message: str
    status_url: str
    report_url: str


class Issue(Schema):
    record_number: int | None = None
    rule: str
    severity: str
    item: str | None = None
    message: str


class RuleCount(Schema):
    rule: str
    severity: str
    count: int
    message: str = ""


class ReportOut(Schema):
    submission: SubmissionOut
    rule_counts: list[RuleCount]
    file_errors: list[str]
    errors: list[dict]
    warnings: list[dict]
    warnings_shown: int


class Problem(Schema):
    detail: str


def _out(submission, duplicate=False) -> dict:
    return {
        "id": str(submission.pk),
        "organisation": submission.organisation.code,
        "period": submission.period,
        "status": submission.status,
        "duplicate": duplicate,
        "file_name": submission.file_name,
        "sha256": submission.sha256,
        "received_at": submission.received_at,
        "timeliness": submission.timeliness,
        "records_read": submission.records_read,
        "records_expected": submission.records_expected,
        "percent": submission.percent_done,
        "record_count": submission.record_count,
        "error_count": submission.error_count,
        "warning_count": submission.warning_count,
        "failure_message": submission.failure_message,
        "status_url": reverse("api:submission", args=[submission.pk]),
        "report_url": reverse("api:report", args=[submission.pk]),
    }


@api.post(
    "/submissions",
    response={201: SubmissionOut, 200: SubmissionOut, 400: Problem, 413: Problem},
    url_name="submit",
    summary="Upload a file for one organisation and reporting period",
)
def submit(
    request,
    organisation: Form[str],
    period: Form[str],
    file: File[UploadedFile] = None,
):
    """Multipart form: `organisation` (ODS code), `period` (YYYY-MM), `file` (CSV, XML or
    zip). 201 with the new submission; 200 with `duplicate: true` and the earlier
    submission when the same file was already sent for that organisation and period."""
    if getattr(request, "upload_too_large", False) or uploads.declared_too_large(request):
        limit = settings.SUBMISSIONS_MAX_UPLOAD_BYTES
        return Reply(413, {"detail": f"The file is larger than {limit} bytes."})
    if file is None:
        return Reply(400, {"detail": "Send the file in the multipart field 'file'."})
    organisation_row = (
        services.submitter_organisations(request.auth)
        .filter(code=organisation.strip().upper())
        .first()
    )
    if organisation_row is None:
        if hasattr(file, "discard"):
            file.discard()
        raise Http404("No such organisation among those you submit for")
    try:
        calendar.parse_period(period)
        received = services.receive(
            request.auth, organisation_row, period, file, channel=Channel.API
        )
    except (services.SubmissionRefused, calendar.InvalidPeriod) as error:
        return Reply(400, {"detail": str(error)})
    if received.duplicate:
        return Reply(200, _out(received.submission, duplicate=True))
    return Reply(201, _out(received.submission))


@api.get(
    "/submissions/{submission_id}",
    response=SubmissionOut,
    url_name="submission",
    summary="Poll a submission's status and progress",
)
def submission_status(request, submission_id: str):
    return _out(_get(request, submission_id))


@api.get(
    "/submissions/{submission_id}/report",
    response=ReportOut,
    url_name="report",
    summary="The validation report: counts per rule, every error, the first 200 warnings",
)
def submission_report(request, submission_id: str):
    submission = _get(request, submission_id)
    if not submission.is_finished:
        return JsonResponse(
            {"detail": "The file is still being checked; poll the status URL."}, status=409
        )
    return {
        "submission": _out(submission),
        "rule_counts": submission.rule_counts,
        "file_errors": submission.file_errors,
        "errors": _all_errors(submission),
        "warnings": report.warnings(submission),
        "warnings_shown": report.WARNINGS_SHOWN,
    }


def _all_errors(submission) -> list[dict]:
    errors, page = [], 1
    while chunk := report.errors(submission, page):
        errors.extend(chunk)
        page += 1
    return errors


def _get(request, submission_id):
    import uuid

    try:
        key = uuid.UUID(submission_id)
    except ValueError:
        raise Http404("No such submission") from None
    return get_object_or_404(
        services.visible_submissions(request.auth).select_related("organisation"), pk=key
    )


@api.get("/schema", auth=None, include_in_schema=False, url_name="schema")
def schema(request):
    """The OpenAPI 3 schema (the same document as /api/openapi.json)."""
    return JsonResponse(api.get_openapi_schema(path_prefix="/api"))
