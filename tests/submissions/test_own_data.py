"""Reports, downloads and strict organisation scoping of every submission URL."""

import csv
import io

import pytest
from django.urls import URLPattern, get_resolver, reverse

from portal.audit.models import AuditEntry
from portal.submissions import services
from portal.submissions.models import Status
from tests.object_storage import read_parquet
from tests.submissions.factories import outcome, received_submission, records_frame


def _accepted(user, organisation, content=b"file\n", **kwargs):
    submission = received_submission(user, organisation, content=content, replace=True)
    services.start_validation(submission.pk)
    return services.store_outcome(submission, outcome(**kwargs))


def _body(response) -> str:
    return b"".join(response.streaming_content).decode()


def test_the_report_shows_counts_per_rule_the_errors_and_the_warnings_on_their_own_pages(
    submitter_client, submitter, trust
):
    submission = received_submission(submitter, trust)
    services.start_validation(submission.pk)
    services.store_outcome(submission, outcome(accepted=False, errors=3, warnings=250))
    url = reverse("submissions:detail", args=[submission.pk])
    html = submitter_client.get(url).content.decode()
    assert "File rejected" in html
    assert "DIDS045" in html and "DIDS062" in html
    assert html.count("The test date is not a valid date") == 3 + 1  # 3 rows + the rule table
    assert "The report was issued more than a month after the test" not in html
    assert "Show all warnings" in html
    warnings = submitter_client.get(url, {"severity": "warning"}).content.decode()
    assert warnings.count("The report was issued more than a month after the test") == 100
    assert "Showing 1 to 100 of 250 (page 1 of 3)" in warnings


def test_every_issue_can_be_downloaded_as_csv(submitter_client, submitter, trust):
    submission = received_submission(submitter, trust)
    services.start_validation(submission.pk)
    services.store_outcome(submission, outcome(accepted=False, errors=3, warnings=250))
    response = submitter_client.get(reverse("submissions:issues-csv", args=[submission.pk]))
    rows = list(csv.DictReader(io.StringIO(_body(response))))
    assert len(rows) == 253
    assert rows[0]["rule"] == "DIDS045" and rows[0]["record_number"] == "1"


def test_accepted_records_download_as_csv_in_the_submission_format(
    submitter_client, submitter, trust
):
    submission = _accepted(submitter, trust, rows=4)
    response = submitter_client.get(reverse("submissions:records-csv", args=[submission.pk]))
    rows = list(csv.reader(io.StringIO(_body(response))))
    assert len(rows) == 4 and all(len(row) == 18 for row in rows)
    assert rows[0][17] == "ABC0" and rows[0][16] == "RX101"
    assert "attachment" in response["Content-Disposition"]


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_cells_that_a_spreadsheet_would_run_as_formulas_are_neutralised(
    submitter_client, submitter, trust, start
):
    submission = received_submission(submitter, trust)
    services.start_validation(submission.pk)
    submission = services.store_outcome(
        submission, outcome(rows=1, first_value=f"{start}HYPERLINK(1)")
    )
    response = submitter_client.get(reverse("submissions:records-csv", args=[submission.pk]))
    [row] = list(csv.reader(io.StringIO(_body(response), newline="")))
    assert row[17] == f"'{start}HYPERLINK(1)0"


def test_each_download_is_audited_without_patient_identifiers(submitter_client, submitter, trust):
    submission = _accepted(submitter, trust)
    _body(submitter_client.get(reverse("submissions:records-csv", args=[submission.pk])))
    entry = AuditEntry.objects.get(action="submissions.records_downloaded")
    assert entry.actor == submitter
    assert entry.organisation_code == "RX1"
    assert set(entry.details) == {"period", "records", "parquet_sha256"}


def test_a_superseded_submission_can_still_be_downloaded(submitter_client, submitter, trust):
    first = _accepted(submitter, trust, content=b"one\n")
    _accepted(submitter, trust, content=b"two\n")
    first.refresh_from_db()
    assert first.status == Status.SUPERSEDED
    response = submitter_client.get(reverse("submissions:records-csv", args=[first.pk]))
    assert response.status_code == 200


def test_a_rejected_submission_has_no_records_to_download(submitter_client, submitter, trust):
    submission = received_submission(submitter, trust)
    services.start_validation(submission.pk)
    services.store_outcome(submission, outcome(accepted=False, errors=1))
    url = reverse("submissions:records-csv", args=[submission.pk])
    assert submitter_client.get(url).status_code == 404


def test_the_status_endpoint_reports_progress(submitter_client, submitter, trust):
    submission = received_submission(submitter, trust)
    submission.records_expected, submission.records_read = 200, 50
    submission.save()
    state = submitter_client.get(reverse("submissions:status", args=[submission.pk])).json()
    assert state["status"] == "received" and state["percent"] == 25
    assert state["finished"] is False


def test_the_progress_page_polls_from_a_static_script_with_a_refresh_link(
    submitter_client, submitter, trust
):
    submission = received_submission(submitter, trust)
    html = submitter_client.get(reverse("submissions:detail", args=[submission.pk])).content
    html = html.decode()
    assert "submissions/progress.js" in html
    assert "Refresh to see progress" in html
    assert "<script>" not in html and "style=" not in html


def _submission_routes():
    for entry in get_resolver().url_patterns:
        yield from _flatten(entry)


def _flatten(entry, namespace=""):
    if isinstance(entry, URLPattern):
        yield namespace, entry
        return
    ns = entry.namespace or namespace
    for child in entry.url_patterns:
        yield from _flatten(child, ns)


def test_every_url_with_another_organisations_submission_id_is_not_found(
    client, submitter, trust, other_submitter, other_trust
):
    theirs = _accepted(other_submitter, other_trust, rows=2)
    client.force_login(submitter)
    _accepted(submitter, trust, content=b"mine\n")  # the submitter has data of their own
    checked = []
    for namespace, pattern in _submission_routes():
        if namespace != "submissions" or "submission_id" not in pattern.pattern.converters:
            continue
        url = reverse(f"submissions:{pattern.name}", args=[theirs.pk])
        response = client.get(url)
        assert response.status_code == 404, url
        checked.append(pattern.name)
    assert sorted(checked) == ["detail", "issues-csv", "records-csv", "replace", "status"]
    # The upload journey for their organisation is closed too.
    for url in ("/submissions/new/RY2/", "/submissions/new/RY2/2026-10/"):
        assert client.get(url).status_code == 404
        assert client.post(url, {}).status_code == 404
    assert str(theirs.pk) not in client.get(reverse("submissions:history")).content.decode()


def test_the_stored_records_keep_the_derived_columns(submitter, trust):

    submission = _accepted(submitter, trust)
    frame = read_parquet(submission.manifest_entry.path)
    assert frame.columns == records_frame().columns
