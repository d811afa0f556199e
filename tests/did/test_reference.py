"""Reference data: loading the documented CSV formats, and frames built by the portal."""

import os
from datetime import date

import polars as pl
import pytest

from did.reference import Reference, ReferenceError, load_codes, load_reference
from did.validate import validate_file
from tests.did.records import RECEIVED, record, write_csv


def test_organisations_and_postcodes_load_normalised(reference):
    organisations = reference.organisations
    assert organisations.columns == ["code", "kind", "parent_code", "open_date", "close_date"]
    assert organisations.schema["open_date"] == pl.Date
    row = organisations.filter(pl.col("code") == "RR801").row(0, named=True)
    assert row["close_date"] == date(2020, 3, 31) and row["parent_code"] == "RR8"
    assert sorted(reference.postcodes["postcode"].to_list()) == ["LS14AP", "SW1A1AA"]


def test_codes_load_with_dates_and_systems(codes):
    xches = codes.filter(pl.col("code") == "XCHES").row(0, named=True)
    assert xches["code_system"] == "NICIP"
    assert xches["snomed_map"] == "399208008"
    assert xches["modality"] == "Plain Radiography"
    assert codes.schema["valid_to"] == pl.Date


def test_a_codes_file_with_an_unknown_code_system_is_refused(tmp_path):
    path = tmp_path / "codes.csv"
    path.write_text("code_system,code,description,modality\nICD10,X1,x,Unknown\n")
    with pytest.raises(ReferenceError, match="NICIP or SNOMED-CT"):
        load_codes(path)


def test_a_codes_file_missing_a_required_column_is_refused(tmp_path):
    path = tmp_path / "codes.csv"
    path.write_text("code_system,code\nNICIP,XCHES\n")
    with pytest.raises(ReferenceError, match="description, modality"):
        load_codes(path)


def test_a_reference_directory_may_hold_only_postcodes(tmp_path):
    (tmp_path / "postcodes.csv").write_text("postcode\nLS1 4AP\n")
    loaded = load_reference(tmp_path)
    assert loaded.organisations is None and loaded.postcodes.height == 1
    report = validate_file(
        write_csv(tmp_path / "r.csv", [record(1, site_code="RZZ99")]),
        received=RECEIVED,
        reference=loaded,
    )
    assert report.status == "accepted"
    assert "DIDS068" in report.not_checked and "DIDS016" not in report.not_checked


def test_a_reference_built_from_frames_works_like_a_loaded_one(tmp_path):
    organisations = pl.DataFrame(
        {
            "code": ["RR813"],
            "kind": ["nhs_trust_site"],
            "parent_code": ["RR8"],
            "open_date": [date(2001, 1, 1)],
            "close_date": [date(2026, 9, 1)],
        }
    )
    built = Reference(organisations=organisations)
    path = write_csv(tmp_path / "r.csv", [record(1, referring_org="X99999", gp_practice="V81999")])
    report = validate_file(path, received=RECEIVED, reference=built)
    assert report.issue_table().select("record", "rule").rows() == [(1, "DIDS081")]


def test_records_are_not_kept_when_not_asked_for(tmp_path):
    path = write_csv(tmp_path / "r.csv", [record(1)])
    report = validate_file(path, received=RECEIVED, keep_records=False)
    with pytest.raises(LookupError):
        report.records


def test_closing_a_report_deletes_its_spooled_records(tmp_path):
    path = write_csv(tmp_path / "r.csv", [record(1)])
    report = validate_file(path, received=RECEIVED)
    spool = report._records_dir.name
    assert report.records.height == 1
    report.close()
    assert not os.path.exists(spool)


def test_a_path_that_is_not_a_file_raises_rather_than_reports(tmp_path):
    with pytest.raises(FileNotFoundError):
        validate_file(tmp_path / "absent.csv", received=RECEIVED)
