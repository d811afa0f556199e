"""Every record rule: a record that breaks it makes it fire; valid records keep it quiet."""

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from did.spec.policy import DSP_POLICY, PORTAL_POLICY, XSD_STRICT_POLICY, Rejection
from did.spec.rules import RECORD_RULES, RULES, Severity
from did.validate import validate_file
from tests.did.records import RECEIVED, VALID, record, write_csv

NO_IDENTIFIERS = dict(
    nhs_number="",
    birth_date="",
    ethnic_category="",
    gender="",
    postcode="",
    gp_practice="",
)
# The portal's reading with the national NHS number check (wrong length, palindrome).
PALINDROME_POLICY = replace(PORTAL_POLICY, name="palindrome", nhs_number_national_check=True)

# (rule, changes to the valid record, policy, needs reference data)
CASES: list[tuple[str, dict[str, str], object, bool]] = [
    ("DIDS001", {"nhs_number": "9434765918"}, PORTAL_POLICY, False),
    ("DIDS002", {"nhs_number": "943 476 591"}, PORTAL_POLICY, False),
    ("DIDS001", {"nhs_number": "1111111111"}, DSP_POLICY, False),
    ("DIDS003", {"nhs_number_status": "09"}, PORTAL_POLICY, False),
    ("DIDS003", {"nhs_number_status": "06"}, XSD_STRICT_POLICY, False),
    ("DIDS005", {"birth_date": "1980-02-30"}, PORTAL_POLICY, False),
    ("DIDS006", {"birth_date": "2026-09-11"}, PORTAL_POLICY, False),
    ("DIDS008", {"birth_date": "2026-09-08", "report_date": "2026-09-07"}, PORTAL_POLICY, False),
    ("DIDS009", {"birth_date": "1900-01-01"}, PORTAL_POLICY, False),
    ("DIDS010", {"birth_date": "2027-04-01"}, PORTAL_POLICY, False),
    ("DIDS040", {"birth_date": "2027-04-01"}, PORTAL_POLICY, False),
    ("DIDS012", {"ethnic_category": "X"}, PORTAL_POLICY, False),
    ("DIDS014", {"gender": "3"}, PORTAL_POLICY, False),
    ("DIDS017", {"postcode": "NOT A PC"}, PORTAL_POLICY, False),
    ("DIDS016", {"postcode": "M1 1AA"}, PORTAL_POLICY, True),
    ("DIDP111", {"gp_practice": "B8"}, PORTAL_POLICY, False),
    ("DIDS018", {"gp_practice": "Z99999"}, PORTAL_POLICY, True),
    ("DIDS080", {"gp_practice": "B86002"}, PORTAL_POLICY, True),
    ("DIDS073", NO_IDENTIFIERS, PORTAL_POLICY, False),
    ("DIDS074", dict(NO_IDENTIFIERS, postcode="ZZ99 3VZ"), PORTAL_POLICY, False),
    ("DIDS020", {"patient_source_setting": ""}, PORTAL_POLICY, False),
    ("DIDS021", {"patient_source_setting": "1"}, PORTAL_POLICY, False),
    ("DIDS023", {"referrer_code": "DR WHO"}, PORTAL_POLICY, False),
    ("DIDP112", {"referring_org": "R8"}, PORTAL_POLICY, False),
    ("DIDS024", {"referring_org": "ZZZ"}, PORTAL_POLICY, True),
    ("DIDS079", {"referring_org": "RAE"}, PORTAL_POLICY, True),
    ("DIDS026", {"request_date": "2026/09/01"}, PORTAL_POLICY, False),
    ("DIDS027", {"request_date": "2026-09-03"}, PORTAL_POLICY, False),
    ("DIDS031", {"request_date": "1969-12-31"}, PORTAL_POLICY, False),
    (
        "DIDS034",
        {"request_date": "2026-09-11", "request_received_date": "2026-09-11"},
        PORTAL_POLICY,
        False,
    ),
    (
        "DIDS035",
        {"request_date": "2026-09-13", "request_received_date": "2026-09-13"},
        PORTAL_POLICY,
        False,
    ),
    (
        "DIDS028",
        {"request_date": "2025-09-01", "request_received_date": "2026-09-01"},
        PORTAL_POLICY,
        False,
    ),
    ("DIDS036", {"request_received_date": "2026-09-31"}, PORTAL_POLICY, False),
    ("DIDS043", {"request_received_date": "2026-09-11"}, PORTAL_POLICY, False),
    ("DIDS044", {"request_received_date": "2026-09-13"}, PORTAL_POLICY, False),
    (
        "DIDS041",
        {"request_date": "1969-12-30", "request_received_date": "1969-12-31"},
        PORTAL_POLICY,
        False,
    ),
    (
        "DIDS038",
        {"request_date": "2025-09-01", "request_received_date": "2025-09-05"},
        PORTAL_POLICY,
        False,
    ),
    ("DIDS056", {"nicip_code": "", "snomed_code": ""}, PORTAL_POLICY, False),
    ("DIDP113", {"nicip_code": "XCHEST1"}, PORTAL_POLICY, False),
    ("DIDP114", {"snomed_code": "399208009"}, PORTAL_POLICY, False),
    ("DIDS057", {"nicip_code": "XNONE"}, PORTAL_POLICY, True),
    ("DIDS057", {"nicip_code": "XGONE", "snomed_code": ""}, PORTAL_POLICY, True),
    ("DIDS077", {"nicip_code": "XOLDC", "snomed_code": ""}, PORTAL_POLICY, True),
    ("DIDS059", {"snomed_code": "71388002", "nicip_code": ""}, PORTAL_POLICY, True),
    ("DIDS059", {"snomed_code": "138875005", "nicip_code": ""}, PORTAL_POLICY, True),
    ("DIDS078", {"snomed_code": "404684003", "nicip_code": ""}, PORTAL_POLICY, True),
    ("DIDS082", {"snomed_code": "22298006"}, PORTAL_POLICY, True),
    ("DIDS050", {"test_date": "", "report_date": ""}, PORTAL_POLICY, False),
    ("DIDS045", {"test_date": "10/09/2026"}, PORTAL_POLICY, False),
    ("DIDS051", {"test_date": "2026-10-16", "report_date": ""}, PORTAL_POLICY, False),
    ("DIDS055", {"test_date": "2026-06-30", "report_date": ""}, PORTAL_POLICY, False),
    ("DIDS055", {"test_date": "2026-03-31", "report_date": ""}, DSP_POLICY, False),
    ("DIDS049", {"test_date": "2026-04-01", "report_date": ""}, DSP_POLICY, False),
    ("DIDS049", {"test_date": "2026-06-15", "report_date": ""}, DSP_POLICY, False),
    ("DIDS061", {"report_date": "2026-13-01"}, PORTAL_POLICY, False),
    ("DIDS066", {"report_date": "2026-10-16"}, PORTAL_POLICY, False),
    ("DIDS048", {"report_date": "2026-09-09"}, PORTAL_POLICY, False),
    ("DIDS062", {"report_date": "2026-10-11"}, PORTAL_POLICY, False),
    ("DIDS067", {"site_code": ""}, PORTAL_POLICY, False),
    ("DIDS069", {"site_code": "RR8"}, PORTAL_POLICY, False),
    ("DIDS069", {"site_code": "RR8-13"}, PORTAL_POLICY, False),
    ("DIDS068", {"site_code": "RZZ99"}, PORTAL_POLICY, True),
    ("DIDS081", {"site_code": "RR801"}, PORTAL_POLICY, True),
    ("DIDS070", {"accession_number": ""}, PORTAL_POLICY, False),
    ("DIDS072", {"accession_number": "A" * 21}, PORTAL_POLICY, False),
    ("DIDS071", {"accession_number": "ACC0000001"}, PORTAL_POLICY, False),
]


# Rules about what the file was sent for: (rule, changes, what validate_file is told).
SUBMISSION_CASES: list[tuple[str, dict[str, str], dict]] = [
    ("DIDP115", {"request_date": "2026-08-20", "request_received_date": "2026-08-21",
                 "test_date": "2026-08-31"}, {"period": "2026-09"}),
    ("DIDP116", {"test_date": "2026-10-01", "report_date": ""}, {"period": "2026-09",
                                                               "other_months_allowed": True}),
    ("DIDP117", {"site_code": "RJ121"}, {"providers": frozenset({"RR8"})}),
]  # fmt: skip


def _validate(tmp_path, rows, policy=PORTAL_POLICY, reference=None, codes=None, **kwargs):
    path = write_csv(tmp_path / "records.csv", rows)
    return validate_file(
        path, received=RECEIVED, policy=policy, reference=reference, codes=codes, **kwargs
    )


def test_every_record_rule_has_a_case_that_fires_it():
    cases = {case[0] for case in CASES} | {case[0] for case in SUBMISSION_CASES}
    assert {rule.code for rule in RECORD_RULES} == cases


@pytest.mark.parametrize(("rule", "changes", "told"), SUBMISSION_CASES, ids=lambda c: str(c))
def test_a_record_breaking_a_submission_rule_makes_it_fire_on_that_record_only(
    tmp_path, rule, changes, told, reference
):
    rows = [record(1), record(2, **changes)]
    report = _validate(tmp_path, rows, reference=reference, **told)
    assert report.issue_table().select("record", "rule").rows() == [(2, rule)]
    assert report.status == ("rejected" if RULES[rule].severity is Severity.ERROR else "accepted")


@pytest.mark.parametrize(
    ("rule", "changes", "policy", "needs_reference"),
    CASES,
    ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)],
)
def test_a_record_breaking_a_rule_makes_it_fire_on_that_record_only(
    tmp_path, rule, changes, policy, needs_reference, reference, codes
):
    rows = [record(1), record(2, **changes)]
    kwargs = {"reference": reference, "codes": codes} if needs_reference else {}
    report = _validate(tmp_path, rows, policy, **kwargs)
    issues = report.issue_table()
    fired = issues.filter(issues["rule"] == rule)
    assert fired["record"].to_list() == [2]
    assert issues.filter(issues["record"] == 1).height == 0
    (issue,) = fired.iter_rows(named=True)
    assert issue["severity"] == RULES[rule].severity.value
    assert issue["message"] == RULES[rule].message
    has_error = bool(issues["severity"].eq("error").any())
    if policy.rejection is Rejection.FILE:
        assert report.status == ("rejected" if has_error else "accepted")
        assert report.records_accepted == (0 if has_error else 2)
    else:  # an error rejects record 2 only; record 1 is kept
        assert report.status == "accepted"
        assert report.records_accepted == (1 if has_error else 2)
    assert report.records_without_errors == (1 if has_error else 2)
    if RULES[rule].severity is Severity.WARNING and set(issues["rule"]) == {rule}:
        assert report.status == "accepted"


@pytest.mark.parametrize(
    "policy", [PORTAL_POLICY, DSP_POLICY, XSD_STRICT_POLICY, PALINDROME_POLICY]
)
def test_valid_records_raise_no_issue_under_any_policy_with_all_reference_data(
    tmp_path, policy, reference, codes
):
    rows = [
        record(1),
        record(2, nhs_number="943 476 5919", postcode="ls14ap", referrer_code=""),
        record(3, nicip_code="", snomed_code="22298006", ethnic_category="99"),
        record(4, nicip_code="MBRAI", snomed_code="", gp_practice="V81999"),
        record(5, referring_org="X99999", referrer_code="12A3456B", gender="9"),
        record(6, **dict(NO_IDENTIFIERS, nhs_number="9434765919")),
        # born after the request (a neonatal request) but before the test
        record(7, birth_date="2026-09-09"),
        # three months back: inside the portal cut-off and below the DSP warning band
        record(
            8,
            test_date="2026-07-01",
            request_date="2026-06-01",
            request_received_date="2026-06-02",
            report_date="2026-07-31",
        ),
    ]
    report = _validate(tmp_path, rows, policy, reference=reference, codes=codes)
    assert report.issue_table().to_dicts() == []
    assert report.status == "accepted"
    assert report.not_checked == []


def test_reference_rules_are_listed_as_not_checked_without_reference_data(tmp_path):
    report = _validate(tmp_path, [record(1, site_code="RZZ99", postcode="M1 1AA")])
    assert report.status == "accepted"
    submission = {"period", "providers"}  # not reference data: see reference_checks
    needing = {r.code for r in RECORD_RULES if r.needs.value not in {"nothing", *submission}}
    assert set(report.not_checked) == needing
    assert {"DIDS068", "DIDS016", "DIDS057", "DIDS082"} <= needing


def test_the_portal_cut_off_accepts_three_months_back_and_rejects_four(tmp_path):
    rows = [
        record(
            1,
            test_date="2026-07-01",
            report_date="",
            request_date="2026-06-01",
            request_received_date="2026-06-01",
        ),
        record(
            2,
            test_date="2026-06-30",
            report_date="",
            request_date="2026-06-01",
            request_received_date="2026-06-01",
        ),
    ]
    issues = _validate(tmp_path, rows).issue_table()
    assert issues.select("record", "rule").rows() == [(2, "DIDS055")]


def test_the_dsp_bands_warn_from_four_months_and_reject_from_seven(tmp_path):
    dates = ["2026-06-30", "2026-04-01", "2026-03-31", "2026-03-01", "2026-07-01"]
    rows = [
        record(
            n,
            test_date=d,
            report_date="",
            request_date="2026-01-01",
            request_received_date="2026-01-01",
        )
        for n, d in enumerate(dates, start=1)
    ]
    issues = _validate(tmp_path, rows, DSP_POLICY).issue_table()
    assert issues.filter(issues["rule"].is_in(["DIDS049", "DIDS055"])).select(
        "record", "rule"
    ).rows() == [(1, "DIDS049"), (2, "DIDS049"), (3, "DIDS055"), (4, "DIDS055")]


def test_duplicates_name_the_first_record_and_ignore_case_of_site_code(tmp_path):
    rows = [record(1), record(2), record(3, accession_number="ACC0000001", site_code="rr813")]
    issues = _validate(tmp_path, rows).issue_table()
    (issue,) = issues.to_dicts()
    assert (issue["record"], issue["rule"]) == (3, "DIDS071")
    assert issue["value"] == "ACC0000001 at site RR813 (first on record 1)"


def test_every_repeat_of_a_key_names_its_first_record_and_other_keys_stay_quiet(tmp_path):
    # The same accession number at another site, and the same site with another accession
    # number, are different keys; a key seen three times reports the second and third.
    rows = [
        record(1, accession_number="ACC0000007"),
        record(2, accession_number="ACC0000007", site_code="RJ121"),
        record(3, accession_number="ACC0000008"),
        record(4, accession_number="ACC0000007"),
        record(5, accession_number="ACC0000007"),
    ]
    issues = _validate(tmp_path, rows).issue_table()
    assert issues.select("record", "rule", "value").rows() == [
        (4, "DIDS071", "ACC0000007 at site RR813 (first on record 1)"),
        (5, "DIDS071", "ACC0000007 at site RR813 (first on record 1)"),
    ]


def test_values_are_trimmed_and_nhs_numbers_normalised_in_the_records(tmp_path):
    rows = [record(1, nhs_number=" 943-476-5919 ", site_code="  RR813 ", referrer_code=" ")]
    report = _validate(tmp_path, rows)
    assert report.status == "accepted"
    (row,) = report.records.to_dicts()
    assert row["nhs_number"] == "9434765919"
    assert row["site_code"] == "RR813"
    assert row["referrer_code"] is None
    assert row["record_number"] == 1
    assert list(report.records.columns)[1:] == list(VALID)


# --- fast forms of checks agree with their plain definitions ------------------------------


def test_the_ethnic_category_list_is_exactly_what_the_pattern_accepts_in_any_case():
    import itertools
    import re
    import string

    from did.spec.codes import ETHNIC_CATEGORY_PATTERN, ETHNIC_CATEGORY_VALUES

    alphabet = string.ascii_letters + string.digits
    values = [*alphabet, *("".join(pair) for pair in itertools.product(alphabet, repeat=2))]
    accepted = {v for v in values if re.fullmatch(ETHNIC_CATEGORY_PATTERN, v.upper())}
    assert accepted == ETHNIC_CATEGORY_VALUES


@pytest.mark.parametrize(
    "value",
    ["LS1 4AP", "ls14ap", "L S 1 4 A P", "  LS1 4AP", "SW1A 1AA", "sw1a1aa", "W1 1AA",
     "EC1A 1BB", "LS1", "LS1 4A", "1LS 4AP", "LS1\t4AP", "LS1-4AP", "ZZ99 3VZ", "zz993vz",
     "Z Z99", "ZZ9", "LS1 4AP X", "", " "],
)  # fmt: skip
def test_postcode_patterns_on_the_value_as_given_agree_with_the_normalised_comparison(value):
    import re

    from did.spec.codes import (
        POSTCODE_AS_GIVEN_PATTERN,
        POSTCODE_PATTERN,
        PSEUDO_POSTCODE_AS_GIVEN_PATTERN,
        PSEUDO_POSTCODE_PREFIX,
    )

    normalised = value.replace(" ", "").upper()
    assert bool(re.search(POSTCODE_AS_GIVEN_PATTERN, value)) == bool(
        re.search(POSTCODE_PATTERN, normalised)
    )
    assert bool(re.search(PSEUDO_POSTCODE_AS_GIVEN_PATTERN, value)) == normalised.startswith(
        PSEUDO_POSTCODE_PREFIX
    )


def test_more_than_a_month_after_agrees_with_calendar_month_offsets():
    from datetime import date, timedelta

    import polars as pl

    from did.validate.checks import _more_than_a_month_after
    from did.validate.dates import month_index

    tests = [date(2023, 12, 1) + timedelta(days=n) for n in range(0, 800, 3)]
    pairs = pl.DataFrame(
        [(t, t + timedelta(days=gap)) for t in tests for gap in range(-2, 66)],
        schema={"_test": pl.Date, "_report": pl.Date},
        orient="row",
    ).with_columns(month_index(c).alias(f"{c}_month") for c in ("_test", "_report"))
    checked = pairs.select(
        fast=_more_than_a_month_after("_report", "_test"),
        plain=pl.col("_report") > pl.col("_test").dt.offset_by("1mo"),
    )
    assert checked["fast"].to_list() == checked["plain"].to_list()
    assert checked["fast"].sum() > 1000 and (~checked["fast"]).sum() > 1000


@pytest.mark.parametrize(
    "value, digits",
    [("9434765919", 9434765919), ("0123456789", 123456789), ("+123456789", None),
     ("-123456789", None), ("943476591", None), ("94347659190", None), ("94347 5919", None),
     ("94347659I9", None), ("１２３４５６７８９０", None), ("", None)],
)  # fmt: skip
def test_ten_digits_takes_exactly_ten_ascii_digits(value, digits):
    import polars as pl

    from did.validate.identifiers import ten_digits

    frame = pl.DataFrame({"nhs_number": [value]})
    assert frame.select(ten_digits("nhs_number")).item() == digits


@pytest.mark.parametrize("value", ["1980- 5-17", "+1980-5-17", "\t1980-5-17", "1980-05- 7",
                                   "1980-5-17", "17/05/1980", "1980-02-30"])  # fmt: skip
@pytest.mark.parametrize("keep_records", [True, False])
def test_a_birth_date_not_exactly_ccyy_mm_dd_is_not_a_valid_date(tmp_path, value, keep_records):
    # The date parser alone reads the first four as 1980-05-17 (it skips white space and a
    # sign before a number); ADR 010 asks for exactly CCYY-MM-DD.
    path = write_csv(tmp_path / "records.csv", [record(1), record(2, birth_date=value)])
    report = validate_file(path, received=RECEIVED, keep_records=keep_records)
    assert report.issue_table().select("record", "rule").rows() == [(2, "DIDS005")]


@given(st.lists(st.integers(0, 9_999_999_999), min_size=1, max_size=200))
def test_the_nhs_number_check_agrees_with_the_modulus_11_definition(numbers):
    import polars as pl

    from did.validate.identifiers import (
        modulus_11_check_digit,
        nhs_number_fails_modulus_11,
        ten_digits,
    )

    def fails(text: str) -> bool:  # the Data Dictionary's definition, digit by digit
        total = sum(int(digit) * (10 - i) for i, digit in enumerate(text[:9]))
        check = (11 - total % 11) % 11
        return check == 10 or check != int(text[9])

    texts = [f"{number:010d}" for number in numbers]
    frame = pl.DataFrame({"nhs_number": texts}).with_columns(ten_digits("nhs_number").alias("d"))
    checked = frame.with_columns(modulus_11_check_digit("d").alias("c")).select(
        nhs_number_fails_modulus_11("d", "c")
    )
    assert checked.to_series().to_list() == [fails(text) for text in texts]
