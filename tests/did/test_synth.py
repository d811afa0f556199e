import datetime as dt
import json

import polars as pl
import pytest
from click.testing import CliRunner
from defusedxml import ElementTree

from did import synth
from did.cli import cli
from did.derive import derive
from did.imaging_codes import starter_codes
from did.spec.derived import MODALITIES
from did.spec.items import COLUMNS, ITEMS
from did.synth.errors import INJECTIONS
from did.synth.records import modality_shares


def modulus_11_valid(numbers: pl.Expr) -> pl.Expr:
    """The NHS number check, column-wise, as an independent oracle for the generator."""
    digits = [numbers.str.slice(i, 1).cast(pl.Int64) for i in range(10)]
    total = sum(d * (10 - i) for i, d in enumerate(digits[:9]))
    check = (11 - total % 11) % 11
    return (numbers.str.len_chars() == 10) & (check != 10) & (check == digits[9])


@pytest.fixture(scope="module")
def clean():
    return synth.generate(5_000, "2025-01", seed=7)


@pytest.fixture(scope="module")
def dirty():
    return synth.generate(4_000, "2025-02", seed=11, error_rate=0.02)


def test_it_generates_the_requested_number_of_records_with_all_eighteen_items(clean):
    records, manifest = clean
    assert records.height == 5_000
    assert records.columns == [*COLUMNS, "record_number"]
    assert records["record_number"].to_list() == list(range(1, 5_001))
    assert manifest["rows"] == 5_000 and manifest["errors"] == []


def test_the_same_seed_gives_the_same_records_and_another_seed_does_not():
    first, _ = synth.generate(3_000, "2025-01", seed=5, error_rate=0.01)
    again, _ = synth.generate(3_000, "2025-01", seed=5, error_rate=0.01)
    other, _ = synth.generate(3_000, "2025-01", seed=6, error_rate=0.01)
    assert first.equals(again)
    assert not first.equals(other)


def test_every_present_nhs_number_is_in_the_test_range_and_passes_modulus_11(clean):
    records, _ = clean
    numbers = records.filter(pl.col("nhs_number") != "")
    assert numbers.height > 4_800
    checked = numbers.select(
        valid=modulus_11_valid(pl.col("nhs_number")),
        test_range=pl.col("nhs_number").str.starts_with("999"),
    )
    assert checked["valid"].all() and checked["test_range"].all()


def test_test_dates_fall_inside_the_period_and_dates_are_in_order(clean):
    records, manifest = clean
    days = records.select(
        pl.col(c).str.to_date("%Y-%m-%d", strict=False)
        for c in ("birth_date", "request_date", "request_received_date", "test_date", "report_date")
    )
    assert days["test_date"].min() >= dt.date(2025, 1, 1)
    assert days["test_date"].max() <= dt.date(2025, 1, 31)
    received = dt.date.fromisoformat(manifest["received"])
    in_order = days.select(
        (pl.col("birth_date") <= pl.col("request_date"))
        & (pl.col("request_date") <= pl.col("request_received_date"))
        & (pl.col("request_received_date") <= pl.col("test_date"))
        & (pl.col("report_date").is_null() | (pl.col("test_date") <= pl.col("report_date")))
        & (pl.col("report_date").is_null() | (pl.col("report_date") <= pl.lit(received)))
    ).to_series()
    assert in_order.all()


def test_waits_are_skewed_and_reports_usually_follow_within_a_few_days(clean):
    derived = derive(clean[0])
    waits = derived["days_request_to_test"]
    assert waits.min() >= 0 and waits.max() <= 300
    assert waits.mean() > waits.median()  # a long right tail
    reports = derived["days_test_to_report"].drop_nulls()
    assert reports.median() <= 2 and reports.max() <= 28


def test_site_and_accession_number_pairs_are_unique(clean):
    records, _ = clean
    assert records.select("site_code", "accession_number").is_unique().all()


def test_sites_are_ods_style_codes_of_the_demo_trusts_first():
    records, manifest = synth.generate(2_000, "2025-01", seed=1, provider_count=8)
    assert manifest["providers"][:6] == ["RJ1", "RR8", "RXF", "RTH", "RRV", "RM3"]
    assert len(set(manifest["providers"])) == 8
    sites = records["site_code"].unique()
    assert sites.str.contains(r"^R[A-Z0-9]{2}[0-9]{2}$").all()
    assert {"RJ121", "RR801", "RXF05", "RTH08", "RRV03", "RM301"} <= set(sites.to_list())


def test_the_modality_mix_is_close_to_the_national_one():
    records, _ = synth.generate(60_000, "2025-01", seed=2)
    shares = derive(records)["modality"].value_counts(normalize=True)
    observed = dict(zip(shares["modality"], shares["proportion"], strict=True))
    for modality, expected in modality_shares().items():
        assert observed.get(modality, 0.0) == pytest.approx(expected, abs=0.01), modality
    assert observed["Plain Radiography"] > 0.55  # X-ray is most of the national activity
    assert "Unknown" not in observed


def test_imaging_codes_come_from_the_reference_and_both_codes_agree(clean):
    records, _ = clean
    codes = starter_codes()
    nicip = codes.filter(pl.col("code_system") == "NICIP")
    used = records.filter(pl.col("nicip_code") != "")["nicip_code"].unique()
    assert used.is_in(nicip["code"].implode()).all()
    both = records.filter((pl.col("nicip_code") != "") & (pl.col("snomed_code") != ""))
    assert both.height > 0
    mapping = dict(zip(nicip["code"], nicip["snomed_map"], strict=True))
    assert all(mapping[n] == s for n, s in both.select("nicip_code", "snomed_code").iter_rows())
    assert records.filter((pl.col("nicip_code") == "") & (pl.col("snomed_code") == "")).is_empty()


def test_injected_errors_are_listed_in_the_manifest_and_change_exactly_those_records(dirty):
    records, manifest = dirty
    errors = manifest["errors"]
    assert len(errors) == 80  # 2% of 4,000
    assert {e["rule"] for e in errors} == {i.rule for i in INJECTIONS}
    assert len({e["record"] for e in errors}) == len(errors)  # one error per record
    clean_twin, _ = synth.generate(4_000, "2025-02", seed=11, error_rate=0.0)
    changed = (
        records.with_columns(same=pl.all_horizontal(pl.col(c) == clean_twin[c] for c in COLUMNS))
        .filter(~pl.col("same"))["record_number"]
        .to_list()
    )
    assert changed == sorted(e["record"] for e in errors)


def test_injected_values_break_their_rule(dirty):
    records, manifest = dirty
    by_record = {e["record"]: e["rule"] for e in manifest["errors"]}
    rows = {r["record_number"]: r for r in records.to_dicts()}
    for record, rule in by_record.items():
        row = rows[record]
        if rule == "DIDS001":
            assert (
                not records.filter(pl.col("record_number") == record)
                .select(modulus_11_valid(pl.col("nhs_number")))
                .item()
            )
        elif rule == "DIDS002":
            assert len(row["nhs_number"]) == 9
        elif rule == "DIDS021":
            assert len(row["patient_source_setting"]) == 1
        elif rule == "DIDS048":
            assert row["report_date"] < row["test_date"]
        elif rule == "DIDS051":
            assert row["test_date"] > manifest["received"]
        elif rule == "DIDS067":
            assert row["site_code"] == ""
        elif rule == "DIDS071":
            key = (row["site_code"], row["accession_number"])
            earlier = [
                r
                for n, r in rows.items()
                if n < record and (r["site_code"], r["accession_number"]) == key
            ]
            assert earlier, record
        elif rule == "DIDS072":
            assert len(row["accession_number"]) > 20


def test_csv_output_has_no_header_and_a_manifest_beside_it(tmp_path):
    out = tmp_path / "january.csv"
    manifest = synth.write(out, 1_200, "2025-01", seed=3, error_rate=0.01)
    lines = out.read_text().splitlines()
    assert len(lines) == 1_200
    assert all(line.count(",") == 17 for line in lines)
    assert lines[0].split(",")[0].startswith("999")
    written = json.loads((tmp_path / "january.csv.manifest.json").read_text())
    assert written == manifest
    assert {"seed", "rows", "period", "received", "errors"} <= written.keys()
    assert written["errors"][0].keys() == {"record", "rule", "item", "severity"}
    read_back = pl.read_csv(out, has_header=False, new_columns=list(COLUMNS), infer_schema=False)
    in_memory, _ = synth.generate(1_200, "2025-01", seed=3, error_rate=0.01)
    assert read_back.fill_null("").equals(in_memory.select(COLUMNS))


def test_xml_output_parses_and_holds_the_same_records_as_the_csv(tmp_path):
    synth.write(tmp_path / "f.csv", 300, "2025-01", seed=9, error_rate=0.05)
    synth.write(tmp_path / "f.xml", 300, "2025-01", seed=9, error_rate=0.05, file_format="xml")
    root = ElementTree.parse(tmp_path / "f.xml").getroot()
    assert root.tag == "DIDS"
    records = root.findall("DIDSRecord")
    assert len(records) == 300
    from_xml = []
    for record in records:
        row = {}
        for item in ITEMS:
            element = record.find(f".//{item.xml_element}")
            if element is None:
                row[item.name] = ""
            elif item.xml_value == "text":
                row[item.name] = element.text or ""
            elif item.xml_value == "postalCode":
                row[item.name] = element.findtext("postalCode") or ""
            else:
                row[item.name] = element.get(item.xml_value[1:])
        from_xml.append(row)
    csv = pl.read_csv(
        tmp_path / "f.csv", has_header=False, new_columns=list(COLUMNS), infer_schema=False
    ).fill_null("")
    assert pl.DataFrame(from_xml).select(COLUMNS).equals(csv)
    groups = [child.tag for child in records[0]]
    assert groups == ["PersonalAndDemographics", "Referrals", "ImagingActivity"]


def test_the_command_writes_the_file_and_rejects_a_bad_period(tmp_path):
    runner = CliRunner()
    out = tmp_path / "out.xml"
    result = runner.invoke(
        cli,
        ["synth", "--rows", "50", "--period", "2024-12", "--seed", "4", "--format", "xml",
         "--error-rate", "0.1", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Injected 5 errors" in result.output
    assert out.read_text().startswith("<?xml")
    assert json.loads((tmp_path / "out.xml.manifest.json").read_text())["period"] == "2024-12"
    bad = runner.invoke(cli, ["synth", "--rows", "5", "--period", "December", str(out)])
    assert bad.exit_code == 2
    assert "period must be YYYY-MM" in bad.output


def test_modalities_in_the_generator_use_the_publication_vocabulary():
    assert set(modality_shares()) <= set(MODALITIES)
