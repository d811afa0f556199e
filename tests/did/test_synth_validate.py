"""The generator and the validator agree: clean files pass, injected errors are found exactly."""

import datetime as dt
import json

import pytest
from click.testing import CliRunner

from did import synth
from did.cli import cli
from did.derive import derive
from did.imaging_codes import starter_codes_path
from did.reference import load_codes
from did.spec.policy import POLICIES, Rejection
from did.validate import validate_file


def found(report) -> set[tuple[int, str]]:
    return {(r, rule) for r, rule in report.issues.select("record", "rule").iter_rows()}


def injected(manifest, policy=None) -> set[tuple[int, str]]:
    """What each injection makes fire. Under the national NHS number check a number of
    the wrong length (DIDS002) fails DIDS001 too."""
    errors = {(e["record"], e["rule"]) for e in manifest["errors"]}
    if policy is not None and policy.nhs_number_national_check:
        errors |= {(record, "DIDS001") for record, rule in errors if rule == "DIDS002"}
    return errors


def counts(issues: set[tuple[int, str]]) -> dict[str, int]:
    found: dict[str, int] = {}
    for _, rule in issues:
        found[rule] = found.get(rule, 0) + 1
    return found


@pytest.fixture(scope="module")
def dirty_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("synth")
    manifests = {}
    for file_format in ("csv", "xml"):
        out = folder / f"dirty.{file_format}"
        manifests[file_format] = synth.write(
            out, 3_000, "2025-01", seed=21, error_rate=0.03, file_format=file_format
        )
    return folder, manifests


@pytest.mark.parametrize("file_format", ["csv", "xml"])
@pytest.mark.parametrize("policy", sorted(POLICIES))
def test_validate_finds_exactly_the_injected_errors(dirty_files, file_format, policy):
    folder, manifests = dirty_files
    manifest = manifests[file_format]
    report = validate_file(
        folder / f"dirty.{file_format}",
        received=dt.date.fromisoformat(manifest["received"]),
        codes=load_codes(starter_codes_path()),
        policy=POLICIES[policy],
        keep_records=False,
    )
    assert report.record_count == 3_000
    expected = injected(manifest, POLICIES[policy])
    assert found(report) == expected
    assert report.rule_counts == counts(expected)
    erring = {
        r
        for r, rule in expected
        if rule in {e["rule"] for e in manifest["errors"] if e["severity"] == "error"} | {"DIDS001"}
    }
    if POLICIES[policy].rejection is Rejection.RECORD:
        assert report.status == "accepted"
        assert report.records_rejected == len(erring)
    else:
        assert report.status == "rejected"
        assert report.records_without_errors == 3_000 - len(erring)


def test_a_clean_synthetic_file_is_accepted_without_warnings_and_derives_fully(tmp_path):
    out = tmp_path / "clean.csv"
    manifest = synth.write(out, 4_000, "2024-11", seed=8)
    report = validate_file(
        out,
        received=dt.date.fromisoformat(manifest["received"]),
        codes=load_codes(starter_codes_path()),
    )
    assert report.status == "accepted"
    assert report.errors == 0 and report.warnings == 0
    derived = derive(report.records, codes=load_codes(starter_codes_path()))
    assert derived.height == 4_000
    assert derived["period"].unique().to_list() == ["2024-11"]
    assert "Unknown" not in derived["modality"].to_list()
    assert derived["provider_code"].null_count() == 0
    report.close()


def test_the_did_command_reports_the_injected_errors_as_json(tmp_path):
    out = tmp_path / "f.csv"
    runner = CliRunner()
    made = runner.invoke(
        cli, ["synth", "--rows", "600", "--period", "2025-03", "--error-rate", "0.05", str(out)]
    )
    assert made.exit_code == 0, made.output
    manifest = json.loads((tmp_path / "f.csv.manifest.json").read_text())
    result = runner.invoke(
        cli, ["validate", str(out), "--received", manifest["received"], "--json"]
    )
    assert result.exit_code == 1  # rejected
    report = json.loads(result.output)
    assert {(i["record"], i["rule"]) for i in report["issues"]} == injected(manifest)


def test_synth_accepts_a_code_reference_loaded_by_the_validator():
    codes = load_codes(starter_codes_path())
    records, _ = synth.generate(500, "2025-01", seed=2, codes=codes)
    from_strings, _ = synth.generate(500, "2025-01", seed=2)
    assert records.equals(from_strings)
