"""One engine, one answer: the portal's report is what `did validate` says offline.

A trust exports the portal's reference data (`portal export-reference`), validates its file
with `did validate --reference --codes --period --providers --received`, and gets the
report the portal gives the same file: the same counts, rules, record numbers and values.
"""

import io
import json
from datetime import date

import polars as pl
import pytest
import time_machine
from click.testing import CliRunner
from django.core.management import call_command

from did import synth
from did.cli import cli
from did.reference import CODES_FILE, load_reference
from portal.organisations import demo as demo_organisations
from portal.organisations.models import Organisation
from portal.store.models import ManifestEntry
from portal.submissions import services
from portal.submissions.models import Status
from tests.object_storage import read_parquet
from tests.submissions.factories import received_submission, submitter_for

RECEIVED = "2026-12-04 10:00:00+00:00"
PERIOD = "2026-11"


@pytest.fixture
def reference_dir(db, tmp_path):
    demo_organisations.load(io.StringIO())
    folder = tmp_path / "reference"
    call_command("export-reference", str(folder), stdout=io.StringIO())
    return folder


@pytest.fixture
def rr8_submitter(reference_dir):
    return submitter_for(Organisation.objects.get(code="RR8"), email="submitter@rr8.nhs.uk")


def _synth(path, reference_dir, *, error_rate, seed, provider="RR8"):
    synth.write(
        path,
        2_000,
        PERIOD,
        seed=seed,
        error_rate=error_rate,
        reference=load_reference(reference_dir),
        only=(provider,),
        received=date(2026, 12, 4),
    )
    return path


def _through_the_portal(user, path):
    with time_machine.travel(RECEIVED, tick=False):
        submission = received_submission(
            user,
            Organisation.objects.get(code="RR8"),
            period=PERIOD,
            content=path.read_bytes(),
            name=path.name,
        )
        return services.validate(submission.pk)


def _offline(path, reference_dir):
    result = CliRunner().invoke(
        cli,
        [
            "validate", str(path), "--json", "--received", "2026-12-04", "--period", PERIOD,
            "--providers", "RR8", "--reference", str(reference_dir),
            "--codes", str(reference_dir / CODES_FILE),
        ],
    )  # fmt: skip
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def test_did_validate_with_the_exported_reference_gives_the_portals_report(
    tmp_path, reference_dir, rr8_submitter
):
    path = _synth(tmp_path / "november.csv", reference_dir, error_rate=0.05, seed=3)
    # Some records from another trust's site, and some from last month.
    text = path.read_text().splitlines()
    text[10] = text[10].replace(",RR813,", ",RJ121,").replace(",RR801,", ",RJ121,")
    text[20] = text[20].replace("2026-11-", "2026-10-", 1)
    path.write_text("\n".join(text) + "\n")

    submission = _through_the_portal(rr8_submitter, path)
    offline = _offline(path, reference_dir)

    assert submission.status == offline["status"] == "rejected"
    assert submission.record_count == offline["records"] == 2_000
    assert submission.error_count == offline["errors"]
    assert submission.warning_count == offline["warnings"]
    assert submission.records_without_errors == offline["records_without_errors"]
    assert {r["rule"]: r["count"] for r in submission.rule_counts} == offline["rule_counts"]
    assert {"DIDP117", "DIDP115"} <= set(offline["rule_counts"])
    stored = read_parquet(submission.report_path)
    portal_issues = stored.select("record_number", "rule", "value").rows()
    offline_issues = [(i["record"], i["rule"], i["value"] or None) for i in offline["issues"]]
    assert portal_issues == offline_issues
    page = _report_page(rr8_submitter, submission)
    would_keep = f"would have kept {offline['records_without_errors']:,}"
    assert "0 kept, 2,000 not kept" in page and would_keep in page


def test_a_clean_synthetic_file_for_a_demo_trust_is_accepted_with_no_error(
    tmp_path, reference_dir, rr8_submitter
):
    # What `make run` tells a new user to do.
    path = _synth(tmp_path / "clean.csv", reference_dir, error_rate=0.0, seed=5)
    submission = _through_the_portal(rr8_submitter, path)
    assert submission.status == Status.ACCEPTED, submission.rule_counts
    assert (submission.record_count, submission.error_count) == (2_000, 0)
    assert submission.records_accepted == 2_000
    assert ManifestEntry.objects.get(submission=submission).record_count == 2_000
    assert _offline(path, reference_dir)["status"] == "accepted"


def test_under_record_rejection_the_store_keeps_only_the_records_without_errors(
    tmp_path, reference_dir, rr8_submitter, settings
):
    settings.SUBMISSIONS_REJECTION = "record"
    path = _synth(tmp_path / "some-bad.csv", reference_dir, error_rate=0.02, seed=7)
    submission = _through_the_portal(rr8_submitter, path)
    assert submission.status == Status.ACCEPTED
    assert submission.rejection == "record"
    assert 0 < submission.records_rejected < 100
    entry = ManifestEntry.objects.get(submission=submission)
    kept = read_parquet(entry.path)
    assert kept.height == entry.record_count == submission.records_accepted
    rejected = read_parquet(submission.report_path).filter(pl.col("severity") == "error")
    assert set(kept["record_number"]).isdisjoint(set(rejected["record_number"]))
    page = _report_page(rr8_submitter, submission)
    assert f"{submission.records_accepted:,} kept, {submission.records_rejected:,} not kept" in page


def _report_page(user, submission) -> str:
    from django.test import Client
    from django.urls import reverse

    client = Client()
    client.force_login(user)
    response = client.get(reverse("submissions:detail", kwargs={"submission_id": submission.pk}))
    assert response.status_code == 200
    return " ".join(response.content.decode().split())


def test_records_of_a_provider_the_desk_recorded_are_accepted_and_others_are_not(
    tmp_path, reference_dir, rr8_submitter, service_desk_user
):
    from portal.submissions.authority import record_authority

    rj1_file = _synth(tmp_path / "rj1.csv", reference_dir, error_rate=0.0, seed=9, provider="RJ1")
    refused = _through_the_portal(rr8_submitter, rj1_file)
    assert refused.status == Status.REJECTED
    assert {r["rule"] for r in refused.rule_counts} == {"DIDP117"}

    record_authority(
        service_desk_user,
        Organisation.objects.get(code="RR8"),
        Organisation.objects.get(code="RJ1"),
        date(2026, 11, 1),
        None,
    )
    accepted = _through_the_portal(rr8_submitter, rj1_file)
    assert accepted.status == Status.ACCEPTED, accepted.rule_counts
    records = read_parquet(ManifestEntry.objects.get(submission=accepted).path)
    assert records["provider_code"].unique().to_list() == ["RJ1"]  # credited to the provider
