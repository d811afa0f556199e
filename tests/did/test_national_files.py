"""Files laid out as the national pipeline reads them, and its rule details (--policy dsp)."""

import json

import polars as pl
import pytest
from click.testing import CliRunner

from did.cli import cli
from did.read.order import XML
from did.spec.items import COLUMNS, XML_ORDER
from did.spec.policy import DSP_POLICY, PORTAL_POLICY, Rejection
from did.validate import validate_file
from did.validate.output import ISSUES_FILE, RECORDS_FILE
from tests.did.conftest import DATA
from tests.did.records import RECEIVED, csv_text, record, write_csv, write_xml

DATA_ROWS = [record(1), record(2, gender="5"), record(3)]


def rules(report) -> list[tuple[int, str]]:
    return report.issue_table().select("record", "rule").rows()


def in_order(rows, order, header=False) -> str:
    lines = [",".join(order)] if header else []
    lines += [",".join(row[c] for c in order) for row in rows]
    return "\n".join(lines) + "\n"


# --- column order ------------------------------------------------------------------------


def test_the_national_order_puts_the_test_date_before_the_imaging_codes():
    assert COLUMNS[12:15] == ("test_date", "nicip_code", "snomed_code")
    assert XML_ORDER[12:15] == ("nicip_code", "snomed_code", "test_date")
    assert csv_text([record(1)]).split(",")[12:15] == ["2026-09-10", "XCHES", "399208008"]


@pytest.mark.parametrize("general_reader", [False, True], ids=["whole file", "general reader"])
def test_a_file_in_the_national_order_is_read_without_a_notice(
    tmp_path, monkeypatch, general_reader
):
    if general_reader:
        monkeypatch.setattr("did.validate.plain_csv", lambda *_: None)
    path = tmp_path / "national.csv"
    path.write_text(in_order(DATA_ROWS, COLUMNS))
    report = validate_file(path, received=RECEIVED)
    assert rules(report) == [(2, "DIDS014")]
    assert report.notices == []
    assert report.records["test_date"].to_list() == ["2026-09-10"] * 3


@pytest.mark.parametrize("general_reader", [False, True], ids=["whole file", "general reader"])
def test_a_file_with_the_codes_before_the_test_date_is_recognised_and_read_that_way(
    tmp_path, monkeypatch, general_reader
):
    if general_reader:
        monkeypatch.setattr("did.validate.plain_csv", lambda *_: None)
    path = tmp_path / "rotated.csv"
    path.write_text(in_order(DATA_ROWS, XML_ORDER))
    report = validate_file(path, received=RECEIVED)
    assert rules(report) == [(2, "DIDS014")]  # not every record rejected
    assert report.notices == [XML.notice]
    assert "column 15 of this file holds dates" in report.notices[0].lower()
    records = report.records
    assert records["nicip_code"].to_list() == ["XCHES"] * 3
    assert records["test_date"].to_list() == ["2026-09-10"] * 3
    assert report.to_dict()["notices"] == [XML.notice]
    assert report.errors == 1  # a notice is not an error


def test_an_ambiguous_file_is_read_in_the_national_order(tmp_path):
    # No test dates anywhere: nothing says the file is in the other order.
    rows = [record(n, test_date="") for n in range(1, 4)]
    path = tmp_path / "ambiguous.csv"
    path.write_text(in_order(rows, XML_ORDER))
    report = validate_file(path, received=RECEIVED)
    assert report.notices == []
    # Read nationally: the NICIP code where the test date is, the SNOMED CT code after it.
    assert {rule for _, rule in rules(report)} == {"DIDS045", "DIDP113"}


def test_a_header_row_naming_the_items_in_the_xml_order_is_read_by_name(tmp_path):
    path = tmp_path / "header.csv"
    path.write_text(in_order(DATA_ROWS, XML_ORDER, header=True))
    report = validate_file(path, received=RECEIVED)
    assert rules(report) == [(2, "DIDS014")]
    assert report.notices == []


def test_the_xml_reader_is_unaffected(tmp_path):
    report = validate_file(write_xml(tmp_path / "r.xml", DATA_ROWS), received=RECEIVED)
    assert rules(report) == [(2, "DIDS014")] and report.notices == []


# --- the national rule details -------------------------------------------------------------


def _check(tmp_path, rows, policy=DSP_POLICY, **kwargs):
    return validate_file(
        write_csv(tmp_path / "r.csv", rows), received=RECEIVED, policy=policy, **kwargs
    )


@pytest.mark.parametrize(
    ("nhs_number", "dsp", "portal"),
    [
        ("1111111111", ["DIDS001"], []),  # ten identical digits pass modulus 11
        ("0000000000", ["DIDS001"], []),
        ("1234554321", ["DIDS001"], []),  # a palindrome with a good check digit
        ("9434765918", ["DIDS001"], ["DIDS001"]),  # the check digit
        ("943476591", ["DIDS001", "DIDS002"], ["DIDS002"]),  # wrong length: both
        ("943\t476\u00a05919", [], []),  # white space anywhere is removed
        ("943 476-5919", [], []),
    ],
)
def test_nhs_numbers_under_each_policy(tmp_path, nhs_number, dsp, portal):
    rows = [record(1, nhs_number=nhs_number)]
    assert sorted(r for _, r in rules(_check(tmp_path, rows))) == dsp
    assert sorted(r for _, r in rules(_check(tmp_path, rows, PORTAL_POLICY))) == portal


@pytest.mark.parametrize(("value", "fires"), [("A", False), ("99", False), ("a", True),
                                              ("A1", True), ("Z", False), ("I", True)])  # fmt: skip
def test_ethnic_category_is_exactly_one_of_the_national_list_under_dsp(tmp_path, value, fires):
    found = rules(_check(tmp_path, [record(1, ethnic_category=value)]))
    assert (found == [(1, "DIDS012")]) is fires


@pytest.mark.parametrize("policy", [PORTAL_POLICY, DSP_POLICY], ids=lambda p: p.name)
@pytest.mark.parametrize(
    ("site", "expected"),
    [("RR8", ["DIDS069"]), ("RR8-13", ["DIDS069"]), ("RR813", []), ("RZZ99", ["DIDS068"]),
     ("R" * 13, ["DIDS069"])],
)  # fmt: skip
def test_a_site_code_is_5_to_12_letters_or_digits_and_looked_up_only_then(
    tmp_path, reference, policy, site, expected
):
    found = rules(_check(tmp_path, [record(1, site_code=site)], policy, reference=reference))
    assert [r for _, r in found] == expected


def test_a_gp_practice_code_must_name_a_gp_practice_not_any_organisation(tmp_path, reference):
    rows = [record(1, gp_practice="RR8"), record(2, gp_practice="B86001")]
    assert rules(_check(tmp_path, rows, reference=reference)) == [(1, "DIDS018")]


@pytest.mark.parametrize("code", ["X99998", "X99999", "XMD00", "89999", "89997"])
def test_the_national_default_referring_organisation_codes_are_accepted(tmp_path, reference, code):
    assert rules(_check(tmp_path, [record(1, referring_org=code)], reference=reference)) == []


def test_the_code_mapping_is_checked_only_when_both_codes_are_valid(tmp_path, codes):
    rows = [
        record(1, snomed_code="22298006"),  # both valid, they do not map: DIDS082
        record(2, nicip_code="XNONE", snomed_code="22298006"),  # NICIP unknown: DIDS057 only
        record(3, snomed_code="71388002"),  # SNOMED CT not valid: DIDS059 only
    ]
    assert rules(_check(tmp_path, rows, codes=codes)) == [
        (1, "DIDS082"),
        (2, "DIDS057"),
        (3, "DIDS059"),
    ]


def test_only_the_national_code_is_reported_for_a_malformed_imaging_code(tmp_path, codes):
    rows = [record(1, nicip_code="XCHEST1"), record(2, snomed_code="399208009")]
    assert rules(_check(tmp_path, rows, codes=codes)) == [(1, "DIDS057"), (2, "DIDS059")]
    # Without the code reference, the form is all that can be checked.
    assert rules(_check(tmp_path, rows)) == [(1, "DIDP113"), (2, "DIDP114")]


@pytest.mark.parametrize("policy", [PORTAL_POLICY, DSP_POLICY], ids=lambda p: p.name)
def test_file_level_rejects_use_the_national_codes(tmp_path, policy):
    short = tmp_path / "short.csv"
    short.write_text(csv_text([record(1)]) + "a,b,c\n")
    xml = tmp_path / "odd.xml"
    xml.write_text("<DIDS><Record/></DIDS>")
    for path, code in ((short, "DIDS075"), (xml, "DIDS076")):
        report = validate_file(path, received=RECEIVED, policy=policy)
        assert [e.rule for e in report.file_errors] == [code]


# --- record-level rejection ----------------------------------------------------------------


def run(*args):
    return CliRunner().invoke(cli, ["validate", *args])


def test_under_dsp_an_error_rejects_its_record_and_the_file_keeps_the_others(tmp_path):
    path = write_csv(tmp_path / "r.csv", [record(1), record(2, gender="5"), record(3)])
    result = run(str(path), "--received", RECEIVED.isoformat(), "--policy", "dsp", "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["status"] == "accepted" and data["rejection"] == "record"
    assert (data["records_accepted"], data["records_rejected"]) == (2, 1)


def test_a_file_whose_every_record_is_rejected_is_rejected(tmp_path):
    path = write_csv(tmp_path / "r.csv", [record(1, gender="5"), record(2, gender="7")])
    result = run(str(path), "--received", RECEIVED.isoformat(), "--policy", "dsp", "--json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert (data["status"], data["records_accepted"], data["records_rejected"]) == (
        "rejected",
        0,
        2,
    )


def test_under_file_rejection_the_report_says_what_the_national_pipeline_would_keep(tmp_path):
    path = write_csv(tmp_path / "r.csv", [record(1), record(2, gender="5"), record(3)])
    result = run(str(path), "--received", RECEIVED.isoformat(), "--json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["rejection"] == "file" and data["records_accepted"] == 0
    assert data["records_without_errors"] == 2
    text = run(str(path), "--received", RECEIVED.isoformat()).output
    assert "would accept 2 records" in text


def test_the_rejection_can_be_chosen_apart_from_the_policy(tmp_path):
    path = write_csv(tmp_path / "r.csv", [record(1), record(2, gender="5")])
    report = validate_file(path, received=RECEIVED, rejection=Rejection.RECORD)
    assert report.policy == "portal" and report.accepted and report.records_accepted == 1


# --- the pipeline's files ------------------------------------------------------------------


def test_out_writes_the_accepted_records_derived_and_every_issue(tmp_path, reference, codes):
    path = write_csv(tmp_path / "r.csv", [record(1), record(2, gender="5"), record(3)])
    out = tmp_path / "out"
    result = run(str(path), "--received", RECEIVED.isoformat(), "--policy", "dsp",
                 "--out", str(out), "--json")  # fmt: skip
    assert result.exit_code == 0
    records = pl.read_parquet(out / RECORDS_FILE)
    assert records["record_number"].to_list() == [1, 3]
    assert {"provider_code", "modality", "period"} <= set(records.columns)
    issues = pl.read_parquet(out / ISSUES_FILE)
    assert issues.select("record_number", "rule", "site_code", "accession_number").rows() == [
        (2, "DIDS014", "RR813", "ACC0000002")
    ]


def test_out_writes_no_records_for_a_rejected_file(tmp_path):
    path = write_csv(tmp_path / "r.csv", [record(1), record(2, gender="5")])
    out = tmp_path / "out"
    assert run(str(path), "--received", RECEIVED.isoformat(), "--out", str(out)).exit_code == 1
    assert not (out / RECORDS_FILE).exists()
    assert pl.read_parquet(out / ISSUES_FILE).height == 1


def test_the_period_and_providers_are_checked_offline_as_in_the_portal(tmp_path):
    rows = [record(1), record(2, site_code="RJ121")]
    path = write_csv(tmp_path / "r.csv", rows)
    reference = str(DATA / "reference")
    result = run(str(path), "--received", RECEIVED.isoformat(), "--period", "2026-08",
                 "--providers", "RR8", "--reference", reference, "--json")  # fmt: skip
    data = json.loads(result.stdout)
    assert data["rule_counts"] == {"DIDP115": 2, "DIDP117": 1}
    bad = run(str(path), "--period", "2026-13")
    assert bad.exit_code == 2 and "YYYY-MM" in bad.output
