"""The REST API for radiology systems that submit automatically (django-ninja, OpenAPI 3).

Authentication: `Authorization: Bearer <token>` with a personal token made on the
"API tokens" page. The middleware has already checked it; the ninja auth class below
checks again (and the permission, portal.accounts.permissions) so every operation declares
its security in the schema.
"""

import uuid
from datetime import datetime
from typing import Literal
from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import File, Form, NinjaAPI, Query, Schema
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


@api.exception_handler(MultiPartParserError)
def malformed_multipart(request, error):
    """A body that says it is multipart but is not (no boundary, a broken part): 400 in
    JSON, as the schema declares, rather than Django's HTML page for a bad request."""
    return api.create_response(
        request, {"detail": f"The request body is not a valid multipart form: {error}"}, status=400
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
    site_code: str | None = None
    accession_number: str | None = None
    rule: str
    severity: str
    item: str | None = None
    item_name: str | None = None
    value: str | None = None
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
    rule: str | None = None
    severity: str | None = None
    page: int
    page_size: int
    pages: int
    total: int
    issues: list[Issue]
    next_url: str | None = None
    previous_url: str | None = None


class Problem(Schema):
    detail: str


class InvalidRequest(Schema):
    detail: list[dict]


# What every operation may answer whatever it is asked: no working token (401, from the
# middleware or the auth class), not yours or not there (404, ADR 070), a declared body over
# the upload limit (413, the middleware, before the body is read), over the rate limit (429),
# and parameters that do not fit the schema (422).
REFUSALS = {401: Problem, 404: Problem, 413: Problem, 422: InvalidRequest, 429: Problem}


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
    response={201: SubmissionOut, 200: SubmissionOut, 400: Problem, 409: Problem, **REFUSALS},
    url_name="submit",
    summary="Upload a file for one organisation and reporting period",
)
def submit(
    request,
    organisation: Form[str],
    period: Form[str],
    file: File[UploadedFile] = None,
    replace: Form[bool] = False,
):
    """Multipart form: `organisation` (ODS code), `period` (YYYY-MM), `file` (CSV, XML or
    zip), `replace` (true to replace a month that already has an accepted file). 201 with
    the new submission; 200 with `duplicate: true` and the earlier submission when the same
    file was already sent for that organisation and period; 409 when the month already has
    an accepted file and `replace` is not true."""
    if getattr(request, "upload_too_large", False) or uploads.declared_too_large(request):
        limit = settings.SUBMISSIONS_MAX_UPLOAD_BYTES
        return Reply(413, {"detail": f"The file is larger than {limit} bytes."})
    organisation_row = (
        services.submitter_organisations(request.auth)
        .filter(code=organisation.strip().upper())
        .first()
    )
    if organisation_row is None:
        if hasattr(file, "discard"):
            file.discard()
        raise Http404("No such organisation among those you submit for")
    if file is None:
        if getattr(request, "upload_refused", None) == "order":
            return Reply(
                400,
                {"detail": "Send the 'organisation' and 'period' fields before the 'file' field."},
            )
        if getattr(request, "upload_refused", None) != "period":
            return Reply(400, {"detail": "Send the file in the multipart field 'file'."})
    try:
        calendar.parse_period(period)
        received = services.receive(
            request.auth, organisation_row, period, file, channel=Channel.API, replace=replace
        )
    except services.ReplaceNotConfirmed as error:
        return Reply(409, {"detail": str(error)})
    except (services.SubmissionRefused, calendar.InvalidPeriod) as error:
        return Reply(400, {"detail": str(error)})
    if received.duplicate:
        return Reply(200, _out(received.submission, duplicate=True))
    return Reply(201, _out(received.submission))


@api.get(
    "/submissions/{submission_id}",
    response={200: SubmissionOut, **REFUSALS},
    url_name="submission",
    summary="Poll a submission's status and progress",
)
def submission_status(request, submission_id: str):
    return _out(_get(request, submission_id))


@api.get(
    "/submissions/{submission_id}/report",
    response={200: ReportOut, 409: Problem, **REFUSALS},
    url_name="report",
    summary="The validation report, a page of issues at a time",
)
def submission_report(
    request,
    submission_id: str,
    page: int = Query(1, ge=1, description="Page number, from 1."),
    page_size: int = Query(
        report.PAGE_SIZE,
        ge=1,
        le=report.MAX_PAGE_SIZE,
        description=f"Issues per page, at most {report.MAX_PAGE_SIZE}.",
    ),
    rule: str | None = Query(None, description="Only this rule's issues, e.g. DIDS045."),
    severity: Literal["error", "warning"] | None = Query(
        None, description="Only errors or only warnings."
    ),
):
    """Counts per rule for the whole file, and one page of its issues in record order
    (filtered by `rule` and/or `severity`). `pages` and `total` count the filtered issues;
    `next_url` and `previous_url` link the neighbouring pages. 409 while the file is still
    being checked."""
    submission = _get(request, submission_id)
    if not submission.is_finished:
        return Reply(409, {"detail": "The file is still being checked; poll the status URL."})
    found = report.page(
        submission, number=page, size=page_size, rule=rule, severity=severity, clamp=False
    )

    def link(number):
        query = {"page": number, "page_size": found.size}
        query.update({k: v for k, v in (("rule", rule), ("severity", severity)) if v})
        return f"{reverse('api:report', args=[submission.pk])}?{urlencode(query)}"

    return {
        "submission": _out(submission),
        "rule_counts": submission.rule_counts,
        "file_errors": submission.file_errors,
        "rule": rule,
        "severity": severity,
        "page": found.number,
        "page_size": found.size,
        "pages": found.count,
        "total": found.total,
        "issues": found.issues,
        "next_url": link(found.number + 1) if found.number < found.count else None,
        "previous_url": link(min(found.number - 1, found.count)) if found.number > 1 else None,
    }


def _get(request, submission_id):
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
