"""`did validate`: exit codes and the JSON report's shape."""

import json

from click.testing import CliRunner

from did.cli import cli
from tests.did.records import RECEIVED, record, write_csv

ISSUE_KEYS = {
    "record",
    "rule",
    "severity",
    "item",
    "value",
    "message",
    "site_code",
    "accession_number",
}
REPORT_KEYS = {
    "status",
    "format",
    "records",
    "records_accepted",
    "records_rejected",
    "records_without_errors",
    "rejection",
    "notices",
    "errors",
    "warnings",
    "rule_counts",
    "file_errors",
    "issues",
    "not_checked",
}


def run(*args: str):
    return CliRunner().invoke(cli, ["validate", *args])


def test_a_valid_file_is_accepted_with_exit_0_and_one_json_object(tmp_path):
    path = write_csv(tmp_path / "ok.csv", [record(1), record(2)])
    result = run(str(path), "--received", RECEIVED.isoformat(), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == REPORT_KEYS
    assert data["status"] == "accepted"
    assert data["format"] == "csv"
    assert (data["records"], data["errors"], data["warnings"]) == (2, 0, 0)
    assert data["issues"] == [] and data["file_errors"] == []
    assert "DIDS068" in data["not_checked"]


def test_a_file_with_an_error_is_rejected_with_exit_1_and_the_issue_listed(tmp_path):
    path = write_csv(tmp_path / "bad.csv", [record(1), record(2, nhs_number="9434765918")])
    result = run(str(path), "--received", RECEIVED.isoformat(), "--json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["status"] == "rejected"
    assert data["rule_counts"] == {"DIDS001": 1}
    (issue,) = data["issues"]
    assert set(issue) == ISSUE_KEYS
    assert issue["record"] == 2 and issue["rule"] == "DIDS001"
    assert issue["severity"] == "error" and issue["item"] == "nhs_number"
    assert issue["value"] == "9434765918"
    assert "modulus 11" in issue["message"]


def test_a_file_level_reject_is_rejected_with_file_errors_and_exit_1(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    result = run(str(path), "--json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["status"] == "rejected"
    assert data["file_errors"] == [{"rule": "DIDP101", "message": "The file is empty."}]
    assert data["records"] == 0 and data["errors"] == 1


def test_a_missing_file_or_a_bad_date_cannot_run_and_exits_2(tmp_path):
    assert run(str(tmp_path / "absent.csv"), "--json").exit_code == 2
    path = write_csv(tmp_path / "ok.csv", [record(1)])
    assert run(str(path), "--received", "2026-02-30").exit_code == 2
    assert run(str(path), "--no-such-option").exit_code == 2
    assert run().exit_code == 2


def test_a_reference_directory_without_reference_files_cannot_run(tmp_path):
    path = write_csv(tmp_path / "ok.csv", [record(1)])
    (tmp_path / "empty_ref").mkdir()
    result = run(str(path), "--reference", str(tmp_path / "empty_ref"))
    assert result.exit_code == 2
    assert "organisations.csv" in result.stderr


def test_without_json_it_prints_a_readable_summary(tmp_path):
    path = write_csv(tmp_path / "bad.csv", [record(1, gender="X")])
    result = run(str(path), "--received", RECEIVED.isoformat())
    assert result.exit_code == 1
    assert "REJECTED" in result.output
    assert "DIDS014" in result.output and "Gender code must be 0, 1, 2 or 9." in result.output


def test_issues_csv_holds_every_issue_with_its_message(tmp_path):
    rows = [record(n, referrer_code="BAD") for n in range(1, 251)]
    path = write_csv(tmp_path / "warn.csv", rows)
    out = tmp_path / "issues.csv"
    result = run(str(path), "--received", RECEIVED.isoformat(), "--json", "--issues-csv", str(out))
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["warnings"] == 250 and len(data["issues"]) == 200
    lines = out.read_text().splitlines()
    assert lines[0] == "record,rule,severity,item,value,message,site_code,accession_number"
    assert len(lines) == 251
    assert lines[250].startswith("250,DIDS023,warning,REFERRER CODE,BAD,")
    assert lines[250].endswith(",RR813,ACC0000250")
