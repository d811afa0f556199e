"""The published tables, computed by the default engine from derived records on disk."""

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from did.publish import PublishOptions, Window, annual_window, publish
from did.publish.disclosure import DisclosureRules, round_to_base
from did.publish.reference import load_cancer_groups, load_regions
from did.spec.derived import MODALITIES
from tests.did.publish_records import records, write

XR, CT, MR = "Plain Radiography", "Computerized Axial Tomography", "Magnetic Resonance Imaging"
JAN = Window("2026-01", "2026-01")


def run(tmp_path, frame, window=JAN, **options):
    path = write(frame, tmp_path / "store")
    return publish([path], window, options=PublishOptions(**options)).tables


PLACE = ["region_code", "region_name", "icb_code", "provider_name"]


def rows(frame: pl.DataFrame) -> list[tuple]:
    """The rows without the provider's name and place (tested on their own below)."""
    if "provider_code" in frame.columns:
        frame = frame.drop(PLACE)
    return [tuple(row) for row in frame.iter_rows()]


def test_it_counts_tests_by_month_provider_and_modality_with_england_totals(tmp_path):
    frame = records(
        {"period": "2026-01", "provider_code": "RJ1", "modality": XR, "n": 7},
        {"period": "2026-01", "provider_code": "RRV", "modality": XR, "n": 9},
        {"period": "2026-01", "provider_code": "RJ1", "modality": CT, "n": 12},
        {"period": "2026-02", "provider_code": "RJ1", "modality": CT, "n": 40},
    )
    table = run(tmp_path, frame)["modality_provider_counts"]
    assert table.columns == ["period", *PLACE[:3], "provider_code", "provider_name"] + [
        "modality",
        "activity",
    ]
    assert rows(table) == [
        ("2026-01", "ENGLAND", CT, 10),
        ("2026-01", "ENGLAND", XR, 15),
        ("2026-01", "RJ1", CT, 10),
        ("2026-01", "RJ1", XR, 5),
        ("2026-01", "RRV", XR, 10),
    ]


def test_cells_and_totals_are_rounded_to_five_independently(tmp_path):
    frame = records(
        {"period": "2026-01", "provider_code": "RJ1", "modality": XR, "n": 3},
        {"period": "2026-01", "provider_code": "RRV", "modality": XR, "n": 3},
    )
    table = run(tmp_path, frame)["modality_provider_counts"]
    assert rows(table) == [
        ("2026-01", "ENGLAND", XR, 5),  # 6 rounds to 5, not the sum of the rounded cells
        ("2026-01", "RJ1", XR, 5),
        ("2026-01", "RRV", XR, 5),
    ]


def test_a_provider_with_one_or_two_tests_keeps_its_row_rounded_to_zero(tmp_path):
    frame = records({"period": "2026-01", "provider_code": "RJ1", "modality": MR, "n": 2})
    table = run(tmp_path, frame)["modality_provider_counts"]
    assert rows(table) == [("2026-01", "ENGLAND", MR, 0), ("2026-01", "RJ1", MR, 0)]


def test_small_counts_are_withheld_only_when_suppression_is_switched_on(tmp_path):
    frame = records(
        {"period": "2026-01", "provider_code": "RJ1", "modality": XR, "n": 4},
        {"period": "2026-01", "provider_code": "RRV", "modality": XR, "n": 8},
    )
    plain = run(tmp_path, frame)["modality_provider_counts"]
    assert plain["activity"].to_list() == [10, 5, 10]
    suppressed = run(tmp_path, frame, rules=DisclosureRules(suppress_below=5))[
        "modality_provider_counts"
    ]
    assert suppressed["activity"].to_list() == [10, None, 10]


@given(st.integers(min_value=0, max_value=10**9))
def test_rounding_gives_the_nearest_multiple_of_five(value):
    rounded = round_to_base(value)
    assert rounded % 5 == 0
    assert abs(rounded - value) <= 2


def test_waiting_times_are_nearest_rank_medians_and_90th_percentiles(tmp_path):
    tests = [
        {"period": "2026-01", "provider_code": "RJ1", "modality": MR, "days_request_to_test": d}
        for d in range(10)
    ] + [
        {"period": "2026-01", "provider_code": "RRV", "modality": MR, "days_request_to_test": d}
        for d in (30, 31, 32)
    ]
    table = run(tmp_path, records(*tests))["waiting_times"]
    request = table.filter(pl.col("measure") == "request_to_test")
    assert rows(request) == [
        # 13 tests: 7th smallest is 6 days; 90% -> 12th smallest, 31 days
        ("2026-01", "ENGLAND", MR, "request_to_test", 15, 6, 31),
        ("2026-01", "RJ1", MR, "request_to_test", 10, 4, 8),
        # 3 tests are too few for a median: withheld
        ("2026-01", "RRV", MR, "request_to_test", 5, None, None),
    ]
    assert table.filter(pl.col("measure") == "test_to_report").height == 0


def test_activity_by_source_setting_names_gp_direct_access(tmp_path):
    frame = records(
        {"period": "2026-01", "provider_code": "RJ1", "modality": XR, "n": 20,
         "patient_source_setting": "04"},
        {"period": "2026-01", "provider_code": "RJ1", "modality": XR, "n": 11,
         "patient_source_setting": "05"},
    )  # fmt: skip
    table = run(tmp_path, frame)["source_setting_counts"]
    assert rows(table) == [
        ("2026-01", "ENGLAND", "04", "GP Direct Access", 20),
        ("2026-01", "ENGLAND", "05", "Accident and Emergency Department (this Health Care Provider)", 10),
        ("2026-01", "RJ1", "04", "GP Direct Access", 20),
        ("2026-01", "RJ1", "05", "Accident and Emergency Department (this Health Care Provider)", 10),
    ]  # fmt: skip


def test_cancer_test_groups_come_from_the_code_reference_split_by_gp_direct_access(tmp_path):
    codes, order = load_cancer_groups()
    gp = [
        {"period": "2026-01", "provider_code": "RJ1", "modality": XR, "nicip_code": "XCHES",
         "patient_source_setting": "04", "days_request_to_test": d}
        for d in range(12)
    ]  # fmt: skip
    other = [
        {"period": "2026-01", "provider_code": "RJ1", "modality": XR, "snomed_code": "399208008",
         "patient_source_setting": "01", "days_request_to_test": 0, "n": 10},
        {"period": "2026-01", "provider_code": "RJ1", "modality": XR, "nicip_code": "XKNEB",
         "patient_source_setting": "04", "n": 50},
    ]  # fmt: skip
    table = run(tmp_path, records(*gp, *other), cancer_codes=codes, cancer_group_order=order)[
        "cancer_tests"
    ]
    assert rows(table) == [
        # 12 GP tests (0..11 days, median 5) + 10 same-day inpatient tests (median 0 overall)
        ("2026-01", "ENGLAND", "Chest X-ray", 10, 20, 5, 0),
        ("2026-01", "RJ1", "Chest X-ray", 10, 20, 5, 0),
    ]


def test_completeness_is_the_share_of_expected_organisations_with_data(tmp_path):
    frame = records(
        {"period": "2026-01", "provider_code": "RJ1", "modality": XR, "n": 5},
        {"period": "2026-01", "provider_code": "RRV", "modality": XR, "n": 5},
        {"period": "2026-01", "provider_code": "RR8", "modality": XR, "n": 5},
        {"period": "2026-02", "provider_code": "RJ1", "modality": XR, "n": 5},
    )
    window = Window("2026-01", "2026-03")
    expected = ("RJ1", "RRV", "RR8", "RTH")
    table = run(tmp_path, frame, window, expected_providers=expected)["completeness"]
    assert rows(table) == [
        ("2026-01", 15, 3, 4, 75.0),
        ("2026-02", 5, 1, 4, 25.0),
        ("2026-03", 0, 0, 4, 0.0),
    ]
    default = run(tmp_path, frame, window)["completeness"]
    assert default["organisations_expected"].to_list() == [3, 3, 3]
    assert default["percent_included"].to_list() == [100.0, 33.3, 0.0]


def test_region_totals_use_the_provider_region_reference(tmp_path):
    frame = records(
        {"period": "2026-01", "provider_code": "RJ1", "modality": XR, "n": 5},
        {"period": "2026-01", "provider_code": "RRV", "modality": XR, "n": 5},
        {"period": "2026-01", "provider_code": "RR8", "modality": XR, "n": 10},
        {"period": "2026-01", "provider_code": "ZZZ", "modality": XR, "n": 5},
    )
    table = run(tmp_path, frame, regions=load_regions())["modality_region_counts"]
    assert rows(table) == [
        ("2026-01", "ENGLAND", "England", XR, 25),
        ("2026-01", "UNKNOWN", "Region not known", XR, 5),
        ("2026-01", "Y56", "London", XR, 10),
        ("2026-01", "Y63", "North East and Yorkshire", XR, 10),
    ]


def test_every_provider_row_is_named_and_placed_from_the_organisation_reference(tmp_path):
    frame = records(
        {"period": "2026-01", "provider_code": "RJ1", "modality": XR, "n": 5},
        {"period": "2026-01", "provider_code": "RR8", "modality": XR, "n": 10},
        {"period": "2026-01", "provider_code": "ZZZ", "modality": XR, "n": 5},
    )
    reference = pl.DataFrame(
        {
            "provider_code": ["RJ1", "RR8"],
            "provider_name": ["GUY'S AND ST THOMAS' NHS FOUNDATION TRUST", "LEEDS TEACHING"],
            "region_code": ["Y56", "Y63"],
            "icb_code": ["QKK", None],
        }
    )
    tables = run(tmp_path, frame, regions=reference)
    for name in ("modality_provider_counts", "source_setting_counts"):
        placed = {
            row[0]: row[1:]
            for row in tables[name]
            .select("provider_code", *PLACE)
            .unique(maintain_order=True)
            .iter_rows()
        }
        assert placed == {
            "ENGLAND": (None, None, None, "England"),
            "RJ1": ("Y56", "London", "QKK", "GUY'S AND ST THOMAS' NHS FOUNDATION TRUST"),
            "RR8": ("Y63", "North East and Yorkshire", None, "LEEDS TEACHING"),
            "ZZZ": ("UNKNOWN", "Region not known", None, None),
        }, name


def test_table_1_is_wide_by_month_of_the_financial_year_with_year_to_date(tmp_path):
    frame = records(
        {"period": "2026-03", "provider_code": "RJ1", "modality": XR, "n": 50},
        {"period": "2026-04", "provider_code": "RJ1", "modality": XR, "n": 7},
        {"period": "2026-05", "provider_code": "RJ1", "modality": XR, "n": 7},
        {"period": "2026-05", "provider_code": "RR8", "modality": CT, "n": 2},
        {"period": "2026-06", "provider_code": "RR8", "modality": CT, "n": 12},
    )
    path = write(frame, tmp_path / "store")
    options = PublishOptions(regions=load_regions(), rules=DisclosureRules(suppress_below=3))
    publication = publish([path], Window("2025-06", "2026-06"), options=options)
    table = publication.wide["table_1_modality_provider_counts"]
    assert table.financial_year == "2026-27"
    assert table.headings == [
        "Region Code", "Org Code", "Provider Name", "Modality", "Apr", "May", "Jun",
        "Year to date",
    ]  # fmt: skip
    assert [tuple(row) for row in table.frame.iter_rows()] == [
        (None, "ENGLAND", "England", CT, 0, None, 10, 15),
        (None, "ENGLAND", "England", XR, 5, 5, 0, 15),
        ("Y56", "RJ1", None, XR, 5, 5, 0, 15),  # March 2026 belongs to 2025-26
        ("Y63", "RR8", None, CT, 0, None, 10, 15),  # 2 withheld; the year's 14 is 15
    ]


def test_only_the_window_is_counted(tmp_path):
    frame = records(
        {"period": "2025-12", "provider_code": "RJ1", "modality": XR, "n": 5},
        {"period": "2026-01", "provider_code": "RJ1", "modality": XR, "n": 10},
    )
    table = run(tmp_path, frame)["modality_provider_counts"]
    assert table["period"].unique().to_list() == ["2026-01"]


def test_no_output_carries_a_patient_identifier_or_a_record(tmp_path):
    frame = records(
        {"period": "2026-01", "provider_code": "RJ1", "modality": XR, "n": 12}
    ).with_columns(
        pl.lit("9434765919").alias("nhs_number"),
        pl.lit("1970-01-01").alias("birth_date"),
        pl.lit("LS1 4AP").alias("postcode"),
        pl.lit("ACC123").alias("accession_number"),
    )
    tables = run(tmp_path, frame)
    for name, table in tables.items():
        text = table.write_csv()
        for identifier in ("9434765919", "1970-01-01", "LS1 4AP", "ACC123", "record_number"):
            assert identifier not in text, name
        assert not {"nhs_number", "birth_date", "postcode"} & set(table.columns)


def test_a_modality_outside_the_vocabulary_is_refused_with_a_clear_error(tmp_path):
    frame = records({"period": "2026-01", "provider_code": "RJ1", "modality": "X-ray", "n": 5})
    with pytest.raises(ValueError, match="'X-ray', which is not in the publication's modality"):
        run(tmp_path, frame)


def test_the_modality_vocabulary_is_exactly_the_publications(tmp_path):
    frame = records(
        *[{"period": "2026-01", "provider_code": "RJ1", "modality": m, "n": 5} for m in MODALITIES]
    )
    table = run(tmp_path, frame)["modality_provider_counts"]
    assert table.filter(pl.col("provider_code") == "RJ1")["modality"].to_list() == list(MODALITIES)


def test_publishing_nothing_says_so(tmp_path):
    with pytest.raises(ValueError, match="no accepted records"):
        publish([], JAN)


def test_activity_by_commissioner_follows_the_patients_registered_practice(tmp_path):
    frame = records(
        {"period": "2026-01", "provider_code": "RJ1", "modality": XR, "gp_practice": "B86001",
         "n": 10},
        {"period": "2026-01", "provider_code": "RR8", "modality": XR, "gp_practice": "B86002",
         "n": 7},
        {"period": "2026-01", "provider_code": "RR8", "modality": CT, "gp_practice": "A81001",
         "n": 5},
        {"period": "2026-01", "provider_code": "RR8", "modality": CT, "gp_practice": "V81999",
         "n": 4},
        {"period": "2026-01", "provider_code": "RR8", "modality": CT, "n": 1},
    )  # fmt: skip
    practices = pl.DataFrame(
        {
            "practice_code": ["B86001", "B86002", "A81001"],
            "sub_icb_code": ["15F", "15F", "16C"],
            "icb_code": ["QWO", "QWO", "QHM"],
        }
    )
    table = run(tmp_path, frame, practices=practices)["commissioner_counts"]
    assert rows(table) == [
        ("2026-01", None, "ENGLAND", CT, 10),
        ("2026-01", None, "ENGLAND", XR, 15),
        ("2026-01", "QHM", "16C", CT, 5),
        ("2026-01", "QWO", "15F", XR, 15),  # two practices, one commissioner: 17 -> 15
        ("2026-01", "UNKNOWN", "UNKNOWN", CT, 5),  # V81999 and no practice: 5
    ]


def test_the_annual_release_counts_by_age_band_and_gender_with_disclosure_control(tmp_path):
    frame = records(
        {"period": "2025-04", "provider_code": "RJ1", "modality": XR, "age_at_test": 3,
         "gender": "1", "n": 6},
        {"period": "2025-09", "provider_code": "RJ1", "modality": XR, "age_at_test": 4,
         "gender": "1", "n": 6},
        {"period": "2026-03", "provider_code": "RJ1", "modality": XR, "age_at_test": 97,
         "gender": "2", "n": 2},
        {"period": "2026-03", "provider_code": "RJ1", "modality": XR, "gender": "X", "n": 8},
        {"period": "2026-04", "provider_code": "RJ1", "modality": XR, "age_at_test": 40,
         "gender": "2", "n": 50},
    )  # fmt: skip
    path = write(frame, tmp_path / "store")
    rules = DisclosureRules(suppress_below=3)
    annual = publish([path], annual_window(2025), options=PublishOptions(rules=rules)).tables
    assert rows(annual["age_gender_counts"]) == [
        (XR, "0-4", "Male", 10),  # April and September together: 12 -> 10
        (XR, "90 and over", "Female", None),  # 2: withheld
        (XR, "Not known", "Not known", 10),
    ]
    monthly = publish([path], Window("2025-04", "2026-03"), options=PublishOptions()).tables
    assert "age_gender_counts" not in monthly
