import datetime as dt

import polars as pl
import pytest

from did.derive import REFERRER_TYPE_NAMES, derive
from did.spec.derived import DERIVED_COLUMNS, MODALITIES
from did.spec.items import COLUMNS


def records(*rows: dict[str, str]) -> pl.DataFrame:
    """Records with every item blank except those given."""
    return pl.DataFrame([{c: row.get(c, "") for c in COLUMNS} for row in rows])


def one(column: str, **items: str):
    return derive(records(items))[column][0]


def test_it_appends_exactly_the_derived_columns_with_their_types():
    frame = records({"test_date": "2025-01-15"}).with_columns(record_number=pl.lit(7, pl.Int64))
    derived = derive(frame)
    assert derived.columns == [*COLUMNS, *DERIVED_COLUMNS]
    for name, (dtype, _) in DERIVED_COLUMNS.items():
        assert str(derived.schema[name]) == {"Utf8": "String"}.get(dtype, dtype), name
    assert derived["record_number"][0] == 7


def test_record_numbers_are_added_when_missing():
    assert derive(records({}, {}, {}))["record_number"].to_list() == [1, 2, 3]


def test_period_and_test_day_come_from_the_test_date():
    derived = derive(records({"test_date": "2025-03-31"}, {"test_date": " 2024-12-01 "}))
    assert derived["period"].to_list() == ["2025-03", "2024-12"]
    assert derived["test_day"].to_list() == [dt.date(2025, 3, 31), dt.date(2024, 12, 1)]


def test_an_invalid_or_missing_test_date_gives_no_period():
    derived = derive(records({"test_date": "2025-02-30"}, {}))
    assert derived["period"].to_list() == [None, None]
    assert derived["test_day"].to_list() == [None, None]


def test_provider_is_the_first_three_characters_of_a_trust_site_code():
    derived = derive(records({"site_code": "RJ121"}, {"site_code": "rr8"}, {"site_code": "B86001"}))
    assert derived["provider_code"].to_list() == ["RJ1", "RR8", None]


def test_provider_is_the_sites_parent_in_the_reference_data_when_known():
    organisations = pl.DataFrame(
        {"code": ["RJ121", "NVC01", "RJ1"], "parent_code": ["RJ1", "NVC", None]}
    )
    frame = records({"site_code": "NVC01"}, {"site_code": "RJ121"}, {"site_code": "RXF05"})
    assert derive(frame, organisations)["provider_code"].to_list() == ["NVC", "RJ1", "RXF"]

    class Reference:  # the shape of did.reference.Reference
        def __init__(self, organisations):
            self.organisations = organisations

    assert derive(frame, Reference(organisations))["provider_code"].to_list() == [
        "NVC",
        "RJ1",
        "RXF",
    ]


@pytest.mark.parametrize(
    ("nicip", "snomed", "modality", "region"),
    [
        ("XCHES", "", "Plain Radiography", "Chest"),
        ("", "408754009", "Computerized Axial Tomography", "Head"),
        ("uabdo", "", "Diagnostic Ultrasonography", "Abdomen"),
        ("MBRAI", "241601008", "Magnetic Resonance Imaging", "Head"),
        ("XWRIL", "", "Plain Radiography", "Upper limb"),
        ("", "77477000", "Computerized Axial Tomography", None),
        ("ZZZZZ", "", "Unknown", None),
        ("", "", "Unknown", None),
    ],
)
def test_modality_and_body_region_come_from_the_starter_code_reference(
    nicip, snomed, modality, region
):
    derived = derive(records({"nicip_code": nicip, "snomed_code": snomed}))
    assert derived["modality"][0] == modality
    assert derived["body_region"][0] == region


def test_a_nicip_code_is_mapped_through_its_snomed_concept_before_its_own_row():
    codes = pl.DataFrame(
        {
            "code_system": ["NICIP", "SNOMED-CT"],
            "code": ["QQQQ1", "123456001"],
            "description": ["x", "y"],
            "modality": ["Fluoroscopy", "Nuclear Medicine"],
            "body_region": ["", "Neck"],
            "snomed_map": ["123456001", ""],
        }
    )
    derived = derive(records({"nicip_code": "QQQQ1"}), codes=codes)
    assert derived["modality"][0] == "Nuclear Medicine"
    assert derived["body_region"][0] == "Neck"


def test_a_modality_outside_the_publication_vocabulary_becomes_unknown():
    codes = pl.DataFrame(
        {"code_system": ["NICIP"], "code": ["ABC"], "description": ["x"], "modality": ["Endoscopy"]}
    )
    assert derive(records({"nicip_code": "ABC"}), codes=codes)["modality"][0] == "Unknown"
    assert "Endoscopy" not in MODALITIES


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("C1234567", "Consultant"),
        ("c9999998", "Consultant"),
        ("G8123456", "GP"),
        (" S1234 ", "GP"),
        ("ZN123456", "GP"),
        ("D123456", "Dentist"),
        ("CD12345", "Dentist"),
        ("12A3456B", "Nurse"),
        ("N9999998", "Nurse"),
        ("M9999998", "Midwife"),
        ("A9999998", "MoD doctor"),
        ("P9999981", "Prison doctor"),
        ("PH123456", "Physiotherapist"),
        ("CH12", "Chiropodist"),
        ("DT1", "Dietitian"),
        ("SL123", "Speech and language therapist"),
        ("H9999998", "Other care professional"),
        ("R9999981", "Other referrer"),
        ("X9999998", "Not Known"),
        ("DR JONES", "Not Known"),
        ("C12345678", "Not Known"),
        ("", "Not Known"),
    ],
)
def test_referrer_type_follows_the_referrer_code_pattern(code, kind):
    assert one("referrer_type", referrer_code=code) == kind
    assert kind in REFERRER_TYPE_NAMES


@pytest.mark.parametrize(
    ("birth", "test", "age"),
    [
        ("1980-06-15", "2025-06-14", 44),
        ("1980-06-15", "2025-06-15", 45),
        ("2000-02-29", "2025-02-28", 24),
        ("2000-02-29", "2025-03-01", 25),
        ("2025-01-10", "2025-01-10", 0),
        ("2025-01-11", "2025-01-10", None),
        ("", "2025-01-10", None),
        ("1980-13-01", "2025-01-10", None),
    ],
)
def test_age_at_test_is_whole_years_completed(birth, test, age):
    assert one("age_at_test", birth_date=birth, test_date=test) == age


def test_waiting_intervals_are_whole_days_and_null_when_a_date_is_missing():
    derived = derive(
        records(
            {
                "request_date": "2024-12-20",
                "request_received_date": "2024-12-23",
                "test_date": "2025-01-05",
                "report_date": "2025-01-07",
            },
            {"request_date": "2025-01-05", "test_date": "2025-01-05"},
        )
    )
    assert derived["days_request_to_test"].to_list() == [16, 0]
    assert derived["days_received_to_test"].to_list() == [13, None]
    assert derived["days_test_to_report"].to_list() == [2, None]
