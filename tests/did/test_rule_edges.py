"""Every rule at its edges, read by both paths: the same report either way.

A plain CSV file is validated by the whole-file scan (did.validate.whole_file), which, when
no records are kept, screens values mostly untrimmed and checks again the records on which
a rule fires; any other file by the general reader, batch by batch. Both must give the same
report on every rule, at each date rule's edge and on generated files full of values at
the rules' edges.
"""

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import did.validate
from did.imaging_codes import is_snomed_concept_id
from did.spec.codes import REFERRER_CODE_PATTERN
from did.spec.items import COLUMNS
from did.spec.policy import DSP_POLICY, PORTAL_POLICY, XSD_STRICT_POLICY
from did.validate import validate_file, whole_file
from did.validate.dates import DATE_ITEMS, FIRST_DAY
from tests.did.records import RECEIVED, csv_text, record
from tests.did.test_validate_rules import CASES, PALINDROME_POLICY

POLICIES = [PORTAL_POLICY, DSP_POLICY, XSD_STRICT_POLICY, PALINDROME_POLICY]


def _both_ways(path, policy=PORTAL_POLICY, received=RECEIVED) -> tuple[dict, dict]:
    """The report of the whole-file scan (screened), and of the general reader alone."""
    scanned = validate_file(path, received=received, policy=policy, keep_records=False)
    real = did.validate.plain_csv
    did.validate.plain_csv = lambda *_: None
    try:
        read = validate_file(path, received=received, policy=policy, keep_records=False)
    finally:
        did.validate.plain_csv = real
    return scanned.to_dict(), read.to_dict()


@pytest.mark.parametrize(
    ("rule", "changes", "policy"),
    [
        (rule, changes, policy)
        for rule, changes, policy, needs_reference in CASES
        if not needs_reference
    ],
    ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES) if not c[3]],
)
def test_every_rule_fires_the_same_either_way(tmp_path, whole_file_scans, rule, changes, policy):
    rows = [record(n) for n in range(1, 6)] + [record(6, **changes)]
    path = tmp_path / "records.csv"
    path.write_text(csv_text(rows), encoding="utf-8")
    scanned, read = _both_ways(path, policy)
    assert whole_file_scans[0] is True  # the whole-file scan read the file
    assert scanned == read
    assert scanned["rule_counts"].get(rule)


# (rule, changes to the valid record, receipt date, policy, whether the rule fires): each
# date rule a day either side of its edge (the valid record's test date is 2026-09-10).
OCT_15, MAR_15 = RECEIVED, date(2026, 3, 15)
JAN_31_TEST = {
    "request_date": "2026-01-20",
    "request_received_date": "2026-01-21",
    "test_date": "2026-01-31",
}
JUNE = {"request_date": "2026-03-01", "request_received_date": "2026-03-02", "report_date": ""}
EDGES = [
    ("DIDS038", {"request_date": "", "request_received_date": "2025-09-10"}, OCT_15, PORTAL_POLICY, False),
    ("DIDS038", {"request_date": "", "request_received_date": "2025-09-09"}, OCT_15, PORTAL_POLICY, True),
    ("DIDS028", {"request_received_date": "", "request_date": "2025-09-10"}, OCT_15, PORTAL_POLICY, False),
    ("DIDS028", {"request_received_date": "", "request_date": "2025-09-09"}, OCT_15, PORTAL_POLICY, True),
    ("DIDS062", {"report_date": "2026-10-10"}, OCT_15, PORTAL_POLICY, False),
    ("DIDS062", {"report_date": "2026-10-11"}, OCT_15, PORTAL_POLICY, True),
    ("DIDS062", dict(JAN_31_TEST, report_date="2026-02-28"), MAR_15, PORTAL_POLICY, False),
    ("DIDS062", dict(JAN_31_TEST, report_date="2026-03-01"), MAR_15, PORTAL_POLICY, True),
    ("DIDS055", dict(JUNE, test_date="2026-07-01"), OCT_15, PORTAL_POLICY, False),
    ("DIDS055", dict(JUNE, test_date="2026-06-30"), OCT_15, PORTAL_POLICY, True),
    ("DIDS049", dict(JUNE, test_date="2026-07-01"), OCT_15, DSP_POLICY, False),
    ("DIDS049", dict(JUNE, test_date="2026-06-30"), OCT_15, DSP_POLICY, True),
    ("DIDS055", dict(JUNE, request_date="2026-01-01", request_received_date="2026-01-02",
                     test_date="2026-04-01"), OCT_15, DSP_POLICY, False),
    ("DIDS055", dict(JUNE, request_date="2026-01-01", request_received_date="2026-01-02",
                     test_date="2026-03-31"), OCT_15, DSP_POLICY, True),
    ("DIDS010", {"birth_date": "2026-09-01", "request_received_date": "", "request_date": "2026-03-01"}, OCT_15, PORTAL_POLICY, False),
    ("DIDS010", {"birth_date": "2026-09-01", "request_received_date": "", "request_date": "2026-02-28"}, OCT_15, PORTAL_POLICY, True),
    ("DIDS040", {"birth_date": "2026-09-01", "request_date": "", "request_received_date": "2026-03-01"}, OCT_15, PORTAL_POLICY, False),
    ("DIDS040", {"birth_date": "2026-09-01", "request_date": "", "request_received_date": "2026-02-28"}, OCT_15, PORTAL_POLICY, True),
    ("DIDS009", {"birth_date": "1900-01-02"}, OCT_15, PORTAL_POLICY, False),
    ("DIDS009", {"birth_date": "1900-01-01"}, OCT_15, PORTAL_POLICY, True),
    ("DIDS006", {"birth_date": "2026-09-10"}, OCT_15, PORTAL_POLICY, False),
    ("DIDS006", {"birth_date": "2026-09-11"}, OCT_15, PORTAL_POLICY, True),
    ("DIDS031", {"request_date": "1970-01-01"}, OCT_15, PORTAL_POLICY, False),
    ("DIDS031", {"request_date": "1969-12-31"}, OCT_15, PORTAL_POLICY, True),
    ("DIDS051", {"test_date": "2026-10-15", "report_date": ""}, OCT_15, PORTAL_POLICY, False),
    ("DIDS051", {"test_date": "2026-10-16", "report_date": ""}, OCT_15, PORTAL_POLICY, True),
    ("DIDS066", {"test_date": "2026-10-05", "report_date": "2026-10-10"}, date(2026, 10, 10), PORTAL_POLICY, False),
    ("DIDS066", {"test_date": "2026-10-05", "report_date": "2026-10-11"}, date(2026, 10, 10), PORTAL_POLICY, True),
    ("DIDS005", {"birth_date": "2024-02-29"}, OCT_15, PORTAL_POLICY, False),
    ("DIDS005", {"birth_date": "2000-02-29"}, OCT_15, PORTAL_POLICY, False),
    ("DIDS005", {"birth_date": "2026-02-29"}, OCT_15, PORTAL_POLICY, True),
    ("DIDS005", {"birth_date": "1900-02-29"}, OCT_15, PORTAL_POLICY, True),
]  # fmt: skip


@pytest.mark.parametrize(
    ("rule", "changes", "received", "policy", "fires"),
    EDGES,
    ids=[f"{e[0]}-{'fires' if e[4] else 'quiet'}-{i}" for i, e in enumerate(EDGES)],
)
def test_each_date_rule_fires_exactly_at_its_edge_either_way(
    tmp_path, whole_file_scans, rule, changes, received, policy, fires
):
    path = tmp_path / "edge.csv"
    path.write_text(csv_text([record(1), record(2, **changes)]), encoding="utf-8")
    scanned, read = _both_ways(path, policy, received)
    assert whole_file_scans[0] is True
    assert scanned == read
    assert (rule in scanned["rule_counts"]) is fires


def test_fired_records_come_back_in_slices_with_their_numbers(
    tmp_path, monkeypatch, whole_file_scans
):
    monkeypatch.setattr(whole_file, "FIRED_SLICE", 3)
    rows = [record(n, gender="7" if n % 4 == 0 else "1") for n in range(1, 40)]
    rows.append(record(40, accession_number=rows[0]["accession_number"]))  # DIDS071
    path = tmp_path / "records.csv"
    path.write_text(csv_text(rows, header=True).replace("\n", "\r\n"), encoding="utf-8-sig")
    scanned, read = _both_ways(path)
    assert whole_file_scans[0] is True
    assert scanned == read
    assert [i["record"] for i in scanned["issues"] if i["rule"] == "DIDS014"] == list(
        range(4, 40, 4)
    )
    assert [i["record"] for i in scanned["issues"] if i["rule"] == "DIDS071"] == [40]


def test_a_header_in_another_order_is_read_by_name(tmp_path, whole_file_scans):
    order = list(reversed(COLUMNS))
    rows = [
        record(1),
        record(2, gender="5"),
        record(3, site_code=" rr813", accession_number="ACC0000001"),
    ]
    lines = [",".join(order)] + [",".join(row[c] for c in order) for row in rows]
    path = tmp_path / "reordered.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    scanned, read = _both_ways(path)
    assert whole_file_scans[0] is True
    assert scanned == read
    assert {(i["record"], i["rule"]) for i in scanned["issues"]} == {
        (2, "DIDS014"),
        (3, "DIDS071"),
    }


# --- generated files: values at the edges of every rule -----------------------------------


def _with_check_digit(body: str, valid) -> str:
    return next(body + d for d in "0123456789" if valid(body + d))


def _nhs_valid(number: str) -> bool:
    total = sum(int(d) * (10 - i) for i, d in enumerate(number[:9]))
    check = (11 - total % 11) % 11
    return check != 10 and check == int(number[9])


DIGITS = st.text("0123456789", min_size=9, max_size=9)
NHS = st.one_of(
    DIGITS.filter(lambda b: any(_nhs_valid(b + d) for d in "0123456789")).map(
        lambda b: _with_check_digit(b, _nhs_valid)
    ),
    st.text("0123456789", min_size=10, max_size=10),
    st.sampled_from(["", "943 476 5919", "943-476-5919", "+434765919", "1111111111", "12345"]),
)
SNOMED = st.one_of(
    st.builds(
        lambda body, partition: body + partition,
        st.text("0123456789", min_size=3, max_size=15).filter(lambda b: b[0] != "0"),
        st.sampled_from(["00", "10", "01", "11", "02"]),
    ).map(lambda b: next((b + d for d in "0123456789" if is_snomed_concept_id(b + d)), b + "0")),
    st.text("0123456789", min_size=1, max_size=19),
    st.sampled_from(["", "399208008", "0399208008", "22298006"]),
)
CASE_MIXED = st.sampled_from([str.upper, str.lower, str.title])


def _dates(around: date, days: int):
    return st.integers(-days, days).map(lambda d: (around + timedelta(days=d)).isoformat())


DATE_JUNK = st.sampled_from(["", "2026-02-29", "2024-02-29", "2026-9-10", "2026/09/10", "1899-12-31",
                             "1900-01-01", "1900-01-02", "1969-12-31", "1970-01-01", "0000-01-01",
                             "2026-00-10", "2026-09-00", "2026-09-31", "9999-12-31"])  # fmt: skip
TEST_DAY = date(2026, 9, 10)


def _date(around: date, days: int):
    return st.one_of(_dates(around, days), _dates(around, days), DATE_JUNK)


ITEM_VALUES = {
    "nhs_number": NHS,
    "nhs_number_status": st.sampled_from(["", "01", "05", "06", "08", "09", "1", "00", "A"]),
    "birth_date": st.one_of(
        _date(date(1980, 5, 17), 3), _date(TEST_DAY, 250), _dates(date(1900, 1, 2), 2)
    ),
    "ethnic_category": st.sampled_from(
        ["", "A", "a", "A1", "Zz", "99", "9", "I", "O", "X", "AAA", "S9"]
    ),
    "gender": st.sampled_from(["", "0", "1", "2", "9", "3", "M", "10"]),
    "postcode": st.one_of(
        st.from_regex(r"[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}", fullmatch=True),
        st.sampled_from(
            [
                "",
                "ZZ99 3VZ",
                "zz993vz",
                "Z Z 9 9 3 V Z",
                "LS1  4AP",
                "LS14AP",
                "L1",
                "LS1 4A",
                "LS1 4AP9",
                "SW1A 1AA",
                "S1A 1AA",
                "LS1-4AP",
                "111 1AA",
                "EC1A1BB",
                "LS14APLS14AP",
                "A1" * 20,
                "LS1 4AP LS1 4AP",
            ]
        ),
    ).flatmap(lambda pc: CASE_MIXED.map(lambda case: case(pc))),
    "gp_practice": st.sampled_from(["", "B86001", "B8", "B86", "V81999", "A" * 12, "A" * 13]),
    "patient_source_setting": st.sampled_from(["", "01", "07", "08", "00", "1"]),
    "referrer_code": st.one_of(
        st.from_regex(REFERRER_CODE_PATTERN.replace("(?i)", ""), fullmatch=True),
        st.text("CDGSHMZENWPTLX0123456789", min_size=1, max_size=9),
        st.sampled_from(
            ["", "c1234567", "C12345678", "CH1234567", "12a3456b", "ze123456", "X9999998"]
        ),
    ),
    "referring_org": st.sampled_from(["", "RR8", "R8", "RR8" * 4, "RR8" * 4 + "X"]),
    "request_date": _date(TEST_DAY - timedelta(days=9), 400),
    "request_received_date": _date(TEST_DAY - timedelta(days=8), 400),
    "nicip_code": st.sampled_from(["", "XCHES", "xches", "X", "XCHEST1", "XCH-S", "123456"]),
    "snomed_code": SNOMED,
    "test_date": st.one_of(_date(TEST_DAY, 40), _date(date(2026, 6, 15), 60), _dates(RECEIVED, 3)),
    "report_date": st.one_of(_date(TEST_DAY, 3), _date(date(2026, 10, 10), 35)),
    "site_code": st.sampled_from(["", "RR813", "rr813", "RR8", "RR8130", "R" * 12, "R" * 13]),
    "accession_number": st.sampled_from(["", "ACC1", "ACC2", "acc1", "A" * 20, "A" * 21]),
}
PADDING = st.sampled_from(["", "", "", "", " ", "  "])


def _days(*edges: int):
    """Whole days, often exactly at or beside one of the rules' edges."""
    return st.one_of(st.integers(0, max(edges) + 10), st.sampled_from(edges))


@st.composite
def timelines(draw) -> dict[str, str]:
    """Dates that keep to their order (request, received, test, report; birth before the
    test) but land near the date rules' edges: a month's cut-off, a year's wait, a month
    to report, a baby referred before birth. Some are left blank."""
    test = RECEIVED - timedelta(days=draw(st.one_of(st.integers(-5, 140), st.integers(-5, 260))))
    waits = [draw(_days(0, 1, 30, 200, 364, 365, 366, 367)) for _ in range(2)]
    received = test - timedelta(days=min(waits))
    request = test - timedelta(days=max(waits))
    birth = test - timedelta(days=draw(st.one_of(_days(0, 1, 30, 150), st.integers(0, 40_000))))
    report = test + timedelta(days=draw(_days(0, 27, 28, 29, 30, 31, 32)))
    dates = {
        "test_date": test,
        "report_date": report,
        "request_received_date": received,
        "request_date": request,
        "birth_date": birth,
    }
    blank = draw(st.sets(st.sampled_from(["report_date", "request_received_date", "request_date"])))
    return {item: "" if item in blank else day.isoformat() for item, day in dates.items()}


# The tests overwrite their own file in tmp_path on every example.
FIXTURES = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])


@st.composite
def records(draw):
    """A record: mostly valid values, some items drawn from their edge cases, some padded."""
    values = record(draw(st.integers(1, 10_000_000)))
    if draw(st.integers(0, 2)):
        values.update(draw(timelines()))
    for item in draw(st.sets(st.sampled_from(COLUMNS), max_size=3)):
        values[item] = draw(ITEM_VALUES[item])
    for item in draw(st.sets(st.sampled_from(COLUMNS), max_size=1)):
        values[item] = draw(PADDING) + values[item] + draw(PADDING)
    return values


@FIXTURES
@given(st.lists(records(), min_size=1, max_size=12), st.sampled_from(POLICIES), st.booleans())
def test_generated_files_get_the_same_report_either_way(tmp_path, rows, policy, header):
    path = tmp_path / "generated.csv"
    path.write_text(csv_text(rows, header=header), encoding="utf-8")
    scanned, read = _both_ways(path, policy)
    assert scanned == read


PRINTABLE = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E, exclude_characters=',"'))


@FIXTURES
@given(st.lists(st.lists(PRINTABLE, min_size=18, max_size=18), min_size=1, max_size=8), st.data())
def test_any_printable_values_get_the_same_report_either_way(
    tmp_path, whole_file_scans, rows, data
):
    # Whatever the values, the whole-file scan reads the file (18 printable fields a line)
    # and its report is the general reader's.
    lines = ["9" + ",".join(row) for row in rows]  # a digit first: never taken for XML
    ending = data.draw(st.sampled_from(["\n", "\r\n"]))
    path = tmp_path / "printable.csv"
    path.write_bytes((ending.join(lines) + data.draw(st.sampled_from(["", ending]))).encode())
    scanned, read = _both_ways(path)
    assert whole_file_scans[-1] is True
    assert scanned == read


@pytest.mark.parametrize("item", list(DATE_ITEMS))
@pytest.mark.parametrize(
    "when",
    ["the day before 1900", "the first day of 1900", "the receipt date", "the day after receipt"],
)
def test_a_date_at_either_end_of_the_screening_memo_gets_the_same_report_either_way(
    tmp_path, whole_file_scans, item, when
):
    # Screening reads dates from a memo of the days from 1900 to the receipt date
    # (did.validate.dates); a date outside it is checked again by the parser.
    day = {
        "the day before 1900": FIRST_DAY - timedelta(days=1),
        "the first day of 1900": FIRST_DAY,
        "the receipt date": RECEIVED,
        "the day after receipt": RECEIVED + timedelta(days=1),
    }[when]
    path = tmp_path / "memo-edge.csv"
    path.write_text(csv_text([record(1), record(2, **{item: day.isoformat()})]), encoding="utf-8")
    scanned, read = _both_ways(path)
    assert whole_file_scans[0] is True
    assert scanned == read
