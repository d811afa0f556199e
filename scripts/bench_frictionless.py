"""The comparison point for the engine benchmark: the DID rules in frictionless-py.

A Table Schema carries what a Table Schema can say (types, required, enum, pattern,
length, minimum, a primary key for DIDS071); one custom row check carries the rest
(check digits, date order, the receipt cut-off, the all-identifiers-missing rules). It is
written the way a frictionless user would write it, row by row in Python, which is the
point of the comparison: did validate evaluates the same rules column-wise.

    .venv/bin/python scripts/bench_frictionless.py FILE.csv --received 2025-07-07 [--rows N]
"""

import argparse
import re
from datetime import date, timedelta
from pathlib import Path

import attrs
from frictionless import Check, Checklist, Dialect, Resource, Schema, errors

from did.spec.codes import (
    ETHNIC_CATEGORY_PATTERN,
    GENDER,
    NHS_NUMBER_STATUS,
    NICIP_PATTERN,
    PATIENT_SOURCE_SETTING,
    POSTCODE_PATTERN,
    PSEUDO_POSTCODE_PREFIX,
    REFERRER_CODE_PATTERN,
)
from did.spec.items import COLUMNS
from did.validate.identifiers import is_snomed_concept_id

DATES = ("birth_date", "request_date", "request_received_date", "test_date", "report_date")
IDENTIFIERS = ("nhs_number", "birth_date", "ethnic_category", "gender", "postcode", "gp_practice")


def _anchored(pattern: str) -> str:
    """Table Schema patterns are implicitly anchored and have no inline flags."""
    return pattern.removeprefix("(?i)").removeprefix("^").removesuffix("$")


def _field(name: str) -> dict:
    if name in DATES:
        return {"name": name, "type": "date", "format": "%Y-%m-%d"}
    return {"name": name, "type": "string"}


def _constraints() -> dict[str, dict]:
    return {
        "nhs_number": {"pattern": "[0-9]{10}"},
        "nhs_number_status": {"enum": sorted(NHS_NUMBER_STATUS)},
        "birth_date": {"minimum": "1900-01-02"},
        "ethnic_category": {"pattern": _anchored(ETHNIC_CATEGORY_PATTERN)},
        "gender": {"enum": sorted(GENDER)},
        "gp_practice": {"minLength": 3, "maxLength": 12},
        "patient_source_setting": {"required": True, "enum": sorted(PATIENT_SOURCE_SETTING)},
        "referrer_code": {"pattern": _anchored(REFERRER_CODE_PATTERN)},
        "referring_org": {"minLength": 3, "maxLength": 12},
        "request_date": {"minimum": "1970-01-01"},
        "request_received_date": {"minimum": "1970-01-01"},
        "nicip_code": {"pattern": _anchored(NICIP_PATTERN)},
        "test_date": {"required": True},
        "site_code": {"required": True, "minLength": 5, "maxLength": 12},
        "accession_number": {"required": True, "maxLength": 20},
    }


def table_schema() -> Schema:
    constraints = _constraints()
    fields = []
    for name in COLUMNS:
        field = _field(name)
        if name in constraints:
            field["constraints"] = constraints[name]
        fields.append(field)
    return Schema.from_descriptor(
        {"fields": fields, "primaryKey": ["site_code", "accession_number"]}
    )


def _modulus_11_ok(number: str) -> bool:
    if not re.fullmatch(r"[0-9]{10}", number):
        return True  # the schema pattern reports the shape
    total = sum(int(digit) * (10 - i) for i, digit in enumerate(number[:9]))
    check = (11 - total % 11) % 11
    return check != 10 and check == int(number[9])


def _months(day: date) -> int:
    return day.year * 12 + day.month


def _add_month(day: date) -> date:
    month = day.month % 12 + 1
    year = day.year + (day.month == 12)
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def row_problems(row: dict, received: date) -> list[str]:
    """The cross-field DID rules a Table Schema cannot express, for one row."""
    found = []
    nhs = row.get("nhs_number")
    if nhs and not _modulus_11_ok(nhs):
        found.append("DIDS001 NHS number fails the modulus 11 check")
    snomed = row.get("snomed_code")
    if snomed and not is_snomed_concept_id(snomed):
        found.append("DIDP114 SNOMED CT code is not a concept id")
    postcode = (row.get("postcode") or "").replace(" ", "").upper()
    if postcode and not re.match(POSTCODE_PATTERN, postcode):
        found.append("DIDS017 postcode format")
    missing = [row.get(name) in (None, "") for name in IDENTIFIERS]
    if all(missing):
        found.append("DIDS073 every patient identifier is missing")
    elif all(missing[:4] + missing[5:]) and postcode.startswith(PSEUDO_POSTCODE_PREFIX):
        found.append("DIDS074 only a pseudo postcode identifies the patient")
    if not row.get("nicip_code") and not snomed:
        found.append("DIDS056 no imaging code")
    birth, request, taken = row.get("birth_date"), row.get("request_date"), row.get("test_date")
    got, report = row.get("request_received_date"), row.get("report_date")
    pairs = (
        ("DIDS006", birth, taken),
        ("DIDS008", birth, report),
        ("DIDS027", request, got),
        ("DIDS034", request, taken),
        ("DIDS035", request, report),
        ("DIDS043", got, taken),
        ("DIDS044", got, report),
        ("DIDS048", taken, report),
        ("DIDS051", taken, received),
        ("DIDS066", report, received),
    )
    found += [f"{code} dates out of order" for code, a, b in pairs if a and b and a > b]
    if birth and request and _months(birth) - _months(request) > 6:
        found.append("DIDS010 birth month after request month")
    if birth and got and _months(birth) - _months(got) > 6:
        found.append("DIDS040 birth month after received month")
    if taken and request and (taken - request) > timedelta(days=365):
        found.append("DIDS028 more than 365 days from request to test")
    if taken and got and (taken - got) > timedelta(days=365):
        found.append("DIDS038 more than 365 days from receipt to test")
    if taken and report and report > _add_month(taken):
        found.append("DIDS062 report more than a month after the test")
    if taken and _months(received) - _months(taken) >= 4:
        found.append("DIDS055 test date before the cut-off")
    return found


@attrs.define(kw_only=True, repr=False)
class did_rules(Check):  # noqa: N801 - frictionless names checks in snake case
    """Every DID rule a Table Schema cannot express, as one row check."""

    type = "did-rules"
    Errors = [errors.RowConstraintError]

    received: date = attrs.field(factory=date.today)

    def validate_row(self, row):
        for problem in row_problems(row, self.received):
            yield errors.RowConstraintError.from_row(row, note=problem)


def validate(path: str, received: date, rows: int | None = None):
    """A frictionless report for the first `rows` records (every record if None)."""
    where = Path(path).resolve()
    resource = Resource(
        where.name, basepath=str(where.parent), schema=table_schema(), dialect=Dialect(header=False)
    )
    checklist = Checklist(checks=[did_rules(received=received)])
    # The default stops at 1,000 errors; a fair comparison finds every one.
    return resource.validate(checklist, limit_rows=rows, limit_errors=10**9)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file")
    parser.add_argument("--received", type=date.fromisoformat, required=True)
    parser.add_argument("--rows", type=int, default=None)
    args = parser.parse_args()
    report = validate(args.file, args.received, args.rows)
    task = report.tasks[0]
    print(f"rows {task.stats['rows']} errors {task.stats['errors']} valid {report.valid}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
