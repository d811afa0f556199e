"""Release files: reproducible byte for byte, with a manifest of inputs and tables."""

import json
from datetime import UTC, date, datetime

import polars as pl
import pytest

from did.publish import PublishOptions, publish
from did.publish.disclosure import DisclosureRules
from did.publish.periods import (
    Window,
    annual_publication_date,
    annual_window,
    monthly_publication_date,
    monthly_window,
    release_calendar,
)
from did.publish.reference import load_cancer_groups, load_regions
from did.publish.release import read_table_csv, table_xlsx, write_release
from did.publish.sample import derived_records
from tests.did.publish_records import records, write


@pytest.fixture
def publication(tmp_path):
    frame = derived_records(["2026-01", "2026-02"], ["RJ1", "RRV", "RR8"], 300)
    path = write(frame, tmp_path / "store")
    codes, order = load_cancer_groups()
    options = PublishOptions(cancer_codes=codes, cancer_group_order=order, regions=load_regions())
    return publish([path], Window("2026-01", "2026-02"), options=options)


def test_writing_a_release_twice_gives_byte_identical_tables_and_manifest(tmp_path, publication):
    inputs = [{"id": "sub-1", "sha256": "ab" * 32}]
    first = write_release(
        publication, tmp_path / "one", name="2026-02-provisional", engine="duckdb", inputs=inputs,
        ran_at=datetime(2026, 3, 1, tzinfo=UTC),
    )  # fmt: skip
    write_release(
        publication, tmp_path / "two", name="2026-02-provisional", engine="duckdb", inputs=inputs,
        ran_at=datetime(2026, 4, 1, tzinfo=UTC),
    )  # fmt: skip
    names = sorted(p.name for p in (tmp_path / "one").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "two").iterdir())
    assert "modality_provider_counts.csv" in names and "release.json" in names
    for name in names:
        same = (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()
        assert same == (name != "run.json"), name
    assert first["inputs"] == inputs
    assert first["period_start"] == "2026-01" and first["period_end"] == "2026-02"
    assert {t["name"] for t in first["tables"]} == set(publication.tables)


def test_the_csv_has_the_published_header_and_reads_back_the_same(tmp_path, publication):
    write_release(publication, tmp_path, name="r", engine="duckdb", inputs=[])
    text = (tmp_path / "modality_provider_counts.csv").read_text()
    assert text.splitlines()[0] == (
        "Month,Region Code,Region Name,ICB Code,Org Code,Provider Name,Modality,Activity"
    )
    assert "\r" not in text
    for name, table in publication.tables.items():
        assert read_table_csv(name, tmp_path / f"{name}.csv").equals(table, null_equal=True)
        document = json.loads((tmp_path / f"{name}.json").read_text())
        assert document["table"] == name
        assert len(document["rows"]) == table.height


def test_every_count_in_a_release_is_a_multiple_of_five(publication):
    for table in publication.tables.values():
        for column in ("activity", "tests", "gp_direct_access", "all_sources"):
            if column in table.columns:
                assert (table[column].drop_nulls() % 5 == 0).all()


def test_a_table_downloads_as_a_workbook_with_numbers_as_numbers(publication):
    from io import BytesIO

    from openpyxl import load_workbook

    table = publication.tables["modality_provider_counts"]
    sheet = load_workbook(BytesIO(table_xlsx("modality_provider_counts", table))).active
    assert [c.value for c in sheet[4]][:2] == ["Month", "Region Code"]
    assert sheet.freeze_panes == "A5"
    first = [c.value for c in sheet[5]]
    assert first == list(table.row(0))
    assert isinstance(first[-1], int)
    assert sheet.max_row == 4 + table.height + 2  # a blank row, then the note on [c]


FORMULA = '=HYPERLINK("https://example.invalid","Click")'


@pytest.fixture
def hostile_publication(tmp_path):
    """A provider code shaped like a formula (as an unvalidated ODS parent once could be),
    and a count small enough to be withheld."""
    frame = records(
        {"period": "2026-01", "provider_code": FORMULA, "modality": "Fluoroscopy", "n": 30},
        {"period": "2026-01", "provider_code": "RR8", "modality": "Medical Photography", "n": 2},
    )
    path = write(frame, tmp_path / "store")
    options = PublishOptions(rules=DisclosureRules(suppress_below=5))
    return publish([path], Window("2026-01", "2026-01"), options=options)


def test_no_download_carries_a_live_formula_and_withheld_cells_read_c(
    tmp_path, hostile_publication
):
    from io import BytesIO

    from openpyxl import load_workbook

    write_release(hostile_publication, tmp_path, name="r", engine="duckdb", inputs=[])
    text = (tmp_path / "modality_provider_counts.csv").read_text()
    assert "\n=HYPERLINK" not in text and ",=HYPERLINK" not in text
    assert "'=HYPERLINK" in text
    assert "Medical Photography,[c]" in text
    table = hostile_publication.tables["modality_provider_counts"]
    workbook = load_workbook(BytesIO(table_xlsx("modality_provider_counts", table)))
    cells = [cell for row in workbook.active.iter_rows() for cell in row if cell.value]
    assert not [cell for cell in cells if cell.data_type == "f"]
    assert "'" + FORMULA in [cell.value for cell in cells]
    assert "[c]" in [cell.value for cell in cells]
    # The JSON keeps a number or null, and says what null means.
    document = json.loads((tmp_path / "modality_provider_counts.json").read_text())
    assert None in [row["activity"] for row in document["rows"]]
    assert "[c]" in document["notes"][0]


def test_a_monthly_release_covers_thirteen_months_and_the_annual_a_financial_year():
    monthly = monthly_window("2026-03")
    assert (monthly.start, monthly.end, monthly.kind) == ("2025-03", "2026-03", "provisional")
    assert len(monthly.periods) == 13
    assert monthly.name == "2026-03-provisional"
    annual = annual_window(2025)
    assert (annual.start, annual.end, annual.kind) == ("2025-04", "2026-03", "final")
    assert annual.name == "2025-26-final"
    assert len(annual.periods) == 12


def test_a_period_must_be_written_as_year_and_month():
    with pytest.raises(ValueError, match="write it as YYYY-MM"):
        monthly_window("March 2026")
    with pytest.raises(ValueError, match="starts"):
        Window("2026-03", "2026-01")


def test_monthly_figures_are_published_on_the_second_thursday_two_months_later():
    assert monthly_publication_date("2026-01") == date(2026, 3, 12)
    assert monthly_publication_date("2026-11") == date(2027, 1, 14)
    assert annual_publication_date(2025) == date(2026, 11, 12)
    entries = release_calendar(date(2026, 11, 25))
    assert entries[0].publication_date == date(2026, 12, 10)
    assert entries[0].window.end == "2026-10"
    assert all(e.publication_date.weekday() == 3 for e in entries)
    assert [e.publication_date for e in entries] == sorted(e.publication_date for e in entries)
    assert pl.Series([e.window.kind for e in entries]).is_in(["provisional", "final"]).all()
