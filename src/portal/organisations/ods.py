"""Read the published ODS CSV files (27 columns, no header) into organisation rows.

Positions 1-12 mean the same in every file: code, name, national grouping, high-level
health geography, address lines 1-5, postcode, open date, close date (YYYYMMDD). Column
15 holds the parent for trust sites (etr/ets) and the commissioner (the sub-ICB location)
for GP practices (epraccur). The national grouping is the NHS England region (Y56 ...)
and the high-level health geography the integrated care board (Q.. codes).

Every code is checked against the shape of an ODS code before anything is stored: the
codes end up in published tables and downloads, so a file that puts a formula or markup
where a code belongs is refused by line (ADR 055).
"""

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from portal.organisations.models import OrganisationKind

COLUMNS = 27
# ODS codes are upper-case letters and digits: regions Y56, ICBs QE1, sub-ICB locations
# 15F, trusts RR8, sites RR813, practices B86001.
ODS_CODE = re.compile(r"[A-Z0-9]{2,12}")
KIND_BY_FILE = {
    "etr": OrganisationKind.NHS_TRUST,
    "ets": OrganisationKind.NHS_TRUST_SITE,
    "epraccur": OrganisationKind.GP_PRACTICE,
}


class OdsFileError(ValueError):
    """A file that cannot be imported; the message names the file and line."""


@dataclass(frozen=True)
class OdsRow:
    code: str
    name: str
    kind: str
    parent_code: str
    region_code: str
    icb_code: str
    commissioner_code: str
    postcode: str
    open_date: date | None
    close_date: date | None


def kind_for(path: Path) -> str:
    stem = path.name.lower().split(".")[0]
    try:
        return KIND_BY_FILE[stem]
    except KeyError:
        known = ", ".join(f"{name}.csv" for name in KIND_BY_FILE)
        raise OdsFileError(
            f"{path.name}: not a known ODS file name (expected one of {known})"
        ) from None


def _date(value: str, path: Path, line: int, column: str) -> date | None:
    value = value.strip()
    if not value:
        return None
    try:
        return datetime.strptime(value, "%Y%m%d").date()
    except ValueError:
        raise OdsFileError(
            f"{path.name}, line {line}: {column} {value!r} is not a date in the form YYYYMMDD"
        ) from None


def is_ods_code(value: str) -> bool:
    return bool(ODS_CODE.fullmatch(value))


def _code(fields: list[str], index: int, path: Path, line: int, what: str, required=False) -> str:
    value = fields[index].strip().upper()
    if not value and not required:
        return ""
    if not is_ods_code(value):
        raise OdsFileError(
            f"{path.name}, line {line}: {what} {fields[index]!r} is not an ODS code "
            "(2 to 12 letters and digits)"
        )
    return value


def read_rows(path: Path) -> list[OdsRow]:
    kind = kind_for(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        text = path.read_bytes().decode("cp1252")
    except OSError as exc:
        raise OdsFileError(f"{path}: cannot be read ({exc.strerror})") from None
    rows = []
    for line, fields in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not fields or all(not f.strip() for f in fields):
            continue
        if len(fields) != COLUMNS:
            raise OdsFileError(
                f"{path.name}, line {line}: expected {COLUMNS} columns, found {len(fields)}"
            )
        code = _code(fields, 0, path, line, "the code", required=True)
        name = fields[1].strip()
        if not name:
            raise OdsFileError(f"{path.name}, line {line}: the name is blank")
        site = kind == OrganisationKind.NHS_TRUST_SITE
        practice = kind == OrganisationKind.GP_PRACTICE
        rows.append(
            OdsRow(
                code=code,
                name=name,
                kind=kind,
                parent_code=_code(fields, 14, path, line, "the parent") if site else "",
                region_code=_code(fields, 2, path, line, "the national grouping"),
                icb_code=_code(fields, 3, path, line, "the health geography"),
                commissioner_code=_code(fields, 14, path, line, "the commissioner")
                if practice
                else "",
                postcode=fields[9].strip().upper(),
                open_date=_date(fields[10], path, line, "open date"),
                close_date=_date(fields[11], path, line, "close date"),
            )
        )
    return rows
