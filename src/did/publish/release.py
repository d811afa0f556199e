"""Writing a release: every table as CSV and JSON, plus a manifest (ADR 053).

Byte for byte reproducible: rows are sorted by the table's keys (build.py), numbers are
integers except percent_included (one decimal place), and no time is written into a
table or into release.json. The time a release ran goes in run.json, the one file
allowed to differ between two runs of the same release.
"""

import hashlib
import io
import json
from datetime import datetime
from pathlib import Path

import polars as pl

from did.publish.build import Publication
from did.publish.disclosure import WITHHELD, WITHHELD_NOTE
from did.publish.tables import TABLES
from did.publish.wide import KEY_COLUMNS, WideTable

FORMATS = ("csv", "json", "xlsx")
MANIFEST = "release.json"
RUN_RECORD = "run.json"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# A spreadsheet reads a cell that starts with one of these as a formula (OWASP "CSV
# injection"); a leading apostrophe makes it text again.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value):
    """Text as a spreadsheet will show it, never run it: every text cell of every public
    CSV and workbook passes through here (ADR 055)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _cell_expr(name: str, kind: str, heading: str) -> pl.Expr:
    expr = pl.col(name)
    if kind == "text":
        expr = expr.map_elements(safe_text, return_dtype=pl.Utf8)
    else:
        if kind == "percent":
            expr = expr.round(1)
        expr = expr.cast(pl.Utf8).fill_null(WITHHELD)
    return expr.alias(heading)


def _csv(frame: pl.DataFrame, columns: list[tuple[str, str, str]]) -> bytes:
    """Headings in words, text made safe, withheld numbers as [c]."""
    cells = frame.select(_cell_expr(*column) for column in columns)
    return cells.write_csv(line_terminator="\n").encode("utf-8")


def table_csv(name: str, frame: pl.DataFrame) -> bytes:
    return _csv(frame, [(c.name, c.kind, c.title) for c in TABLES[name].columns])


def wide_csv(table: WideTable) -> bytes:
    kinds = ["text"] * len(KEY_COLUMNS) + ["count"] * len(table.count_columns)
    return _csv(table.frame, list(zip(table.frame.columns, kinds, table.headings, strict=True)))


def read_wide_csv(path: Path) -> tuple[list[str], list[list]]:
    """A wide table's headings and rows, counts as int and withheld cells as None."""
    frame = pl.read_csv(path, infer_schema=False)
    keys = len(KEY_COLUMNS)
    rows = [
        [*row[:keys], *(None if v in (None, WITHHELD) else int(v) for v in row[keys:])]
        for row in frame.rows()
    ]
    return frame.columns, rows


def table_json(name: str, frame: pl.DataFrame) -> bytes:
    """JSON keeps withheld values as null (a number or nothing, for machines) and says
    so in `notes`; CSV and workbooks write [c]."""
    table = TABLES[name]
    document = {
        "table": name,
        "title": table.title,
        "description": table.description,
        "notes": [WITHHELD_NOTE + " In this JSON file a withheld value is null."],
        "columns": [
            {"name": c.name, "kind": c.kind, "description": c.description} for c in table.columns
        ],
        "rows": frame.to_dicts(),
    }
    return (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def table_xlsx(name: str, frame: pl.DataFrame, release_name: str = "") -> bytes:
    """An XLSX workbook of one table, rendered on request (not a release file: the
    format carries timestamps). Numbers stay numbers; withheld cells are [c]; text is
    never a formula."""
    from openpyxl import Workbook

    table = TABLES[name]
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = name[:31]
    sheet.append([table.title + (f" ({release_name})" if release_name else "")])
    sheet.append([table.description])
    sheet.append([])
    sheet.append(table.headings)
    sheet.freeze_panes = "A5"
    text = [column.kind == "text" for column in table.columns]
    for row in frame.iter_rows():
        sheet.append(
            [
                WITHHELD if cell is None and not is_text else safe_text(cell)
                for cell, is_text in zip(row, text, strict=True)
            ]
        )
    sheet.append([])
    sheet.append([WITHHELD_NOTE])
    workbook.properties.creator = "DID Portal"
    workbook.properties.title = table.title
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def read_table_csv(name: str, path: Path) -> pl.DataFrame:
    """Read a published CSV back with the table's column names and types."""
    kinds = {"text": pl.Utf8, "count": pl.Int64, "number": pl.Int64, "days": pl.Int64}
    schema = {c.name: kinds.get(c.kind, pl.Float64) for c in TABLES[name].columns}
    frame = pl.read_csv(path, infer_schema=False, null_values=[WITHHELD])
    expected = TABLES[name].headings
    if frame.columns != expected:
        raise ValueError(f"{Path(path).name} does not have the columns of the {name} table")
    frame.columns = list(schema)
    return frame.select(pl.col(c).cast(t) for c, t in schema.items())


def write_release(
    publication: Publication,
    out_dir: Path,
    *,
    name: str,
    engine: str,
    inputs: list[dict],
    ran_at: datetime | None = None,
) -> dict:
    """Write the tables and the manifest into out_dir; return the manifest."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    tables = []
    for table_name, frame in publication.tables.items():
        files = {}
        for extension, content in (
            ("csv", table_csv(table_name, frame)),
            ("json", table_json(table_name, frame)),
        ):
            path = out_dir / f"{table_name}.{extension}"
            path.write_bytes(content)
            files[extension] = {"file": path.name, "sha256": hashlib.sha256(content).hexdigest()}
        tables.append({"name": table_name, "rows": frame.height, "files": files})
    wide_tables = []
    for table in publication.wide.values():
        content = wide_csv(table)
        path = out_dir / f"{table.name}.csv"
        path.write_bytes(content)
        wide_tables.append(
            {
                "name": table.name,
                "title": table.title,
                "financial_year": table.financial_year,
                "rows": table.frame.height,
                "files": {
                    "csv": {"file": path.name, "sha256": hashlib.sha256(content).hexdigest()}
                },
            }
        )
    window = publication.window
    manifest = {
        "release": name,
        "kind": window.kind,
        "period_start": window.start,
        "period_end": window.end,
        "engine": engine,
        "disclosure": publication.rules.describe(),
        "inputs": sorted(inputs, key=lambda item: (str(item.get("id", "")), item["sha256"])),
        "tables": tables,
        "wide_tables": wide_tables,
    }
    text = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    (out_dir / MANIFEST).write_text(text, encoding="utf-8")
    ran = (ran_at or datetime.now().astimezone()).isoformat(timespec="seconds")
    (out_dir / RUN_RECORD).write_text(json.dumps({"ran_at": ran}) + "\n", encoding="utf-8")
    return manifest
