"""The report at national volume: a `did synth` file with more than 10,000 errors, read a
page at a time by rule, on screen, through the API and in the issues CSV."""

import csv
import io
import math

import polars as pl
import pytest
import time_machine
from django.urls import reverse

from portal.organisations.models import Organisation
from portal.submissions import report, services, tokens
from portal.submissions.models import Status
from tests.object_storage import read_parquet
from tests.submissions import synth_files
from tests.submissions.factories import (
    outcome,
    outcome_with_records,
    received_submission,
    records_frame,
    submitter_for,
)

PERIOD = "2026-10"
RECEIVED = "2026-11-07 10:00:00+00:00"  # the day `did synth` takes the file to be sent
ROWS = 13_000


@pytest.fixture(scope="module")
def big_file(tmp_path_factory):
    folder = tmp_path_factory.mktemp("big")
    path = folder / "rj1-big.csv"
    synth_files.write(path, ROWS, PERIOD, seed=5, error_rate=0.95)
    return path


@pytest.fixture
def rj1_submitter(db, big_file, tmp_path):
    synth_files.register_organisations(big_file, folder=tmp_path)
    return submitter_for(Organisation.objects.get(code="RJ1"), email="submitter@rj1.nhs.uk")


@pytest.fixture
def rejected(rj1_submitter, big_file):
    with time_machine.travel(RECEIVED, tick=False):
        submission = received_submission(
            rj1_submitter,
            Organisation.objects.get(code="RJ1"),
            period=PERIOD,
            content=big_file.read_bytes(),
            name=big_file.name,
        )
        submission = services.validate(submission.pk)
    assert submission.status == Status.REJECTED
    assert submission.error_count > 10_000
    return submission


def _error_rules(submission):
    return {c["rule"]: c["count"] for c in submission.rule_counts if c["severity"] == "error"}


def test_pages_of_one_rule_hold_exactly_that_rules_issues_in_record_order(rejected):
    rules = _error_rules(rejected)
    rule = max(rules, key=rules.get)
    first = report.page(rejected, rule=rule, size=250)
    assert first.total == rules[rule]
    assert first.count == math.ceil(rules[rule] / 250)
    seen = []
    for number in range(1, first.count + 1):
        page = report.page(rejected, rule=rule, size=250, number=number)
        assert len(page.issues) <= 250
        assert {issue["rule"] for issue in page.issues} == {rule}
        seen.extend(issue["record_number"] for issue in page.issues)
    assert len(seen) == rules[rule]
    assert seen == sorted(seen)
    stored = read_parquet(rejected.report_path)
    assert seen == stored.filter(pl.col("rule") == rule)["record_number"].to_list()


def test_the_error_pages_together_hold_every_error_once(rejected):
    size = report.MAX_PAGE_SIZE
    pages = report.page(rejected, severity="error", size=size).count
    assert pages == math.ceil(rejected.error_count / size) > 10
    total = sum(
        len(report.page(rejected, severity="error", size=size, number=n).issues)
        for n in range(1, pages + 1)
    )
    assert total == rejected.error_count
    # Past the end: the web report shows the last page, the API an empty one.
    assert report.page(rejected, severity="error", size=size, number=pages + 5).number == pages
    assert report.page(rejected, size=size, number=pages + 50, clamp=False).issues == []
    # A page is never larger than the maximum, whatever is asked.
    assert len(report.page(rejected, size=10**9).issues) == report.MAX_PAGE_SIZE


def test_the_web_report_counts_per_rule_links_to_each_rule_and_pages(client, rejected):
    client.force_login(rejected.submitted_by)
    url = reverse("submissions:detail", args=[rejected.pk])
    html = client.get(url).content.decode()
    pages = math.ceil(rejected.error_count / report.PAGE_SIZE)
    assert f"{rejected.error_count:,}" in html  # thousands separators
    assert f"Showing 1 to 100 of {rejected.error_count:,} (page 1 of {pages:,})" in html
    assert 'rel="next"' in html and 'rel="prev"' not in html
    assert "Upload a corrected file" in html
    assert reverse("submissions:upload", args=["RJ1", PERIOD]) in html
    for rule in _error_rules(rejected):
        assert f'href="?rule={rule}#issues"' in html
    # Items are named as the data set names them.
    assert "DIAGNOSTIC TEST DATE" in html or "NHS NUMBER" in html

    rules = _error_rules(rejected)
    rule = max(rules, key=rules.get)
    rule_pages = math.ceil(rules[rule] / report.PAGE_SIZE)
    second = client.get(url, {"rule": rule, "page": "2"}).content.decode()
    assert f"Issues for rule {rule}" in second
    assert f"(page 2 of {rule_pages:,})" in second
    assert f'href="?rule={rule}&amp;page=1#issues" rel="prev"' in second
    assert second.count('data-column="rule"') == min(report.PAGE_SIZE, rules[rule] - 100)
    last = client.get(url, {"page": "999999"}).content.decode()
    assert f"(page {pages:,} of {pages:,})" in last and 'rel="next"' not in last
    # An unknown rule or nonsense page number is the first page of errors, not an error.
    odd = client.get(url, {"rule": "<script>", "page": "x"})
    assert odd.status_code == 200 and "(page 1 of" in odd.content.decode()


def test_the_api_report_pages_and_holds_no_more_than_a_page(client, rejected):
    _, token = tokens.create(rejected.submitted_by, "RIS")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    url = reverse("api:report", args=[rejected.pk])
    response = client.get(url, {"page_size": "50", "severity": "error"}, **auth)
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == rejected.error_count
    assert body["pages"] == math.ceil(rejected.error_count / 50)
    assert len(body["issues"]) == 50
    assert body["previous_url"] is None
    assert "page=2" in body["next_url"] and "page_size=50" in body["next_url"]
    assert len(response.content) < 64 * 1024  # a page, not 10,000 errors
    following = client.get(body["next_url"], **auth).json()
    assert following["page"] == 2 and following["issues"][0] != body["issues"][0]
    rules = _error_rules(rejected)
    rule = min(rules, key=rules.get)
    only = client.get(url, {"rule": rule, "page_size": "1000"}, **auth).json()
    assert only["total"] == rules[rule] and {i["rule"] for i in only["issues"]} == {rule}
    too_big = client.get(url, {"page_size": str(report.MAX_PAGE_SIZE + 1)}, **auth)
    assert too_big.status_code == 422
    assert client.get(url, {"page": "0"}, **auth).status_code == 422


def test_the_api_schema_documents_the_page_parameters_and_every_status(client, submitter):
    _, token = tokens.create(submitter, "RIS")
    schema = client.get("/api/schema", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    operation = schema["paths"]["/api/submissions/{submission_id}/report"]["get"]
    parameters = {p["name"]: p for p in operation["parameters"]}
    assert {"page", "page_size", "rule", "severity"} <= set(parameters)
    assert parameters["page_size"]["schema"]["maximum"] == report.MAX_PAGE_SIZE
    assert {"200", "401", "404", "409", "422"} <= set(operation["responses"])


def test_the_api_report_waits_for_the_check_to_finish(client, submitter, trust):
    submission = received_submission(submitter, trust)
    _, token = tokens.create(submitter, "RIS")
    response = client.get(
        reverse("api:report", args=[submission.pk]), HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert response.status_code == 409 and "still being checked" in response.json()["detail"]


def _csv(response) -> list[dict]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Cache-Control"] == "no-store"
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


def test_the_issues_csv_names_site_accession_and_item_when_stored(
    submitter_client, submitter, trust
):
    submission = received_submission(submitter, trust)
    services.start_validation(submission.pk)
    result = outcome(accepted=False, errors=2)
    pl.read_parquet(result.issues_path).with_columns(
        site_code=pl.lit("RX101"), accession_number=pl.Series(["ACC1", "ACC2"])
    ).write_parquet(result.issues_path)
    services.store_outcome(submission, result)
    rows = _csv(submitter_client.get(reverse("submissions:issues-csv", args=[submission.pk])))
    assert [(r["site_code"], r["accession_number"]) for r in rows] == [
        ("RX101", "ACC1"),
        ("RX101", "ACC2"),
    ]
    assert rows[0]["item"] == "DIAGNOSTIC TEST DATE"
    html = submitter_client.get(reverse("submissions:detail", args=[submission.pk])).content
    assert b"Accession number" in html and b"ACC2" in html and b"RX101" in html


def test_a_report_stored_without_site_and_accession_still_reads(submitter_client, submitter, trust):
    submission = received_submission(submitter, trust)
    services.start_validation(submission.pk)
    result = outcome(accepted=False, errors=3)
    older = pl.read_parquet(result.issues_path).drop("site_code", "accession_number")
    older.write_parquet(result.issues_path)  # as reports were stored before the columns
    services.store_outcome(submission, result)
    rows = _csv(submitter_client.get(reverse("submissions:issues-csv", args=[submission.pk])))
    assert len(rows) == 3 and {r["site_code"] for r in rows} == {""}
    assert list(rows[0]) == [
        "record_number",
        "site_code",
        "accession_number",
        "rule",
        "severity",
        "item",
        "value",
        "message",
    ]
    html = submitter_client.get(reverse("submissions:detail", args=[submission.pk])).content
    assert b"Accession number" not in html and b"DIAGNOSTIC TEST DATE" in html


def test_the_report_names_the_providers_of_other_providers_site_codes(
    submitter_client, submitter, trust, other_trust, service_desk_user
):
    from datetime import date

    from portal.submissions import authority
    from tests.organisations.factories import SiteFactory

    SiteFactory(code="RX101", parent_code="RX1", name="Example General")
    SiteFactory(code="RY201", parent_code="RY2", name="Other General")
    records = pl.concat(
        [
            records_frame(2, site="RX101"),
            records_frame(3841, site="RY201", first_value="OTH"),
            records_frame(1, site="ZZ999", first_value="UNK"),
        ]
    )
    submission = received_submission(submitter, trust, replace=True)
    services.start_validation(submission.pk)
    services.store_outcome(submission, outcome_with_records(records))
    summary = report.other_providers(submission)
    assert [(p.code, p.records, p.authorised) for p in summary.providers] == [("RY2", 3841, False)]
    assert (summary.other_records, summary.records) == (3841, 3844)
    url = reverse("submissions:detail", args=[submission.pk])
    html = submitter_client.get(url).content.decode()
    assert "3,841 of 3,844 records carry site codes of other providers" in html
    assert "Other Hospitals NHS Trust (RY2)" in html and "Not recorded" in html
    authority.record_authority(service_desk_user, trust, other_trust, date(2026, 10, 1), None)
    html = submitter_client.get(url).content.decode()
    assert "Yes, recorded by the service desk" in html


def test_a_report_with_only_own_sites_has_no_other_provider_summary(
    submitter_client, submitter, trust
):
    from tests.organisations.factories import SiteFactory

    SiteFactory(code="RX101", parent_code="RX1")
    submission = received_submission(submitter, trust)
    services.start_validation(submission.pk)
    services.store_outcome(submission, outcome(rows=3))
    assert report.other_providers(submission).providers == []
    html = submitter_client.get(reverse("submissions:detail", args=[submission.pk])).content
    assert b"other providers" not in html
