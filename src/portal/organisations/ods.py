"""Read the published ODS CSV files (27 columns, no header) into organisation rows.

Positions 1-12 mean the same in every file: code, name, national grouping, high-level
health geography, address lines 1-5, postcode, open date, close date (YYYYMMDD). Column
15 holds the parent for trust sites (etr/ets) and the commissioner for GP practices.
"""

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from portal.organisations.models import OrganisationKind

COLUMNS = 27
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
        code = fields[0].strip().upper()
        if not code or not code.isalnum() or len(code) > 12:
            raise OdsFileError(f"{path.name}, line {line}: {fields[0]!r} is not an ODS code")
        name = fields[1].strip()
        if not name:
            raise OdsFileError(f"{path.name}, line {line}: the name is blank")
        parent = fields[14].strip().upper() if kind == OrganisationKind.NHS_TRUST_SITE else ""
        rows.append(
            OdsRow(
                code=code,
                name=name,
                kind=kind,
                parent_code=parent,
                postcode=fields[9].strip().upper(),
                open_date=_date(fields[10], path, line, "open date"),
                close_date=_date(fields[11], path, line, "close date"),
            )
        )
    return rows
