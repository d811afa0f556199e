"""Reference data for the reference-data rules: ODS organisations, postcodes, imaging codes.

`Reference` is a plain dataclass of Polars frames so the portal can build one from its
database and the command line can load one from CSV files:

organisations  code (str), kind (str), parent_code (str|null), open_date (date|null),
               close_date (date|null). Any ODS organisation, site or GP practice.
               From DIR/organisations.csv with header `code,kind,parent_code,open_date,close_date`
               (dates CCYY-MM-DD or blank).
postcodes      postcode (str): upper case with spaces removed. From DIR/postcodes.csv with
               header `postcode` (any spacing or case).

Imaging codes are separate (`load_codes`, `--codes FILE`): CSV with header
`code_system,code,description,modality` and optional `body_region,valid_from,valid_to,snomed_map`;
code_system is NICIP or SNOMED-CT. One row per code (a later row for the same code is ignored).
"""

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from did.imaging_codes import CODE_COLUMNS, NICIP, SNOMED_CT

ORGANISATION_COLUMNS = ("code", "kind", "parent_code", "open_date", "close_date")


class ReferenceError(ValueError):  # noqa: A001 - reference data, not Python's ReferenceError
    """A reference file that cannot be used; the message says which and why."""


@dataclass(frozen=True)
class Reference:
    organisations: pl.DataFrame | None = None
    postcodes: pl.DataFrame | None = None


def _read(path: Path, required: tuple[str, ...]) -> pl.DataFrame:
    try:
        frame = pl.read_csv(path, infer_schema=False, encoding="utf8-lossy")
    except (pl.exceptions.PolarsError, OSError) as error:
        raise ReferenceError(f"{path.name} cannot be read as CSV: {error}") from None
    frame = frame.rename({c: c.strip().lower() for c in frame.columns})
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise ReferenceError(f"{path.name} is missing the column(s): {', '.join(missing)}")
    return frame


def _to_date(column: str) -> pl.Expr:
    text = pl.col(column).str.strip_chars()
    return (
        pl.when(text == "").then(None).otherwise(text).str.to_date("%Y-%m-%d", strict=False)
    ).alias(column)


def normalise_organisations(frame: pl.DataFrame) -> pl.DataFrame:
    for column in ORGANISATION_COLUMNS:
        if column not in frame.columns:
            frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias(column))
    frame = frame.with_columns(
        pl.col(c).cast(pl.String) for c in ("code", "kind", "parent_code")
    ).with_columns(pl.col("code").str.strip_chars().str.to_uppercase())
    for column in ("open_date", "close_date"):
        if frame.schema[column] != pl.Date:
            frame = frame.with_columns(
                _to_date(column)
                if frame.schema[column] == pl.String
                else pl.col(column).cast(pl.Date)
            )
    return frame.select(ORGANISATION_COLUMNS).unique("code", keep="first", maintain_order=True)


def normalise_postcodes(frame: pl.DataFrame) -> pl.DataFrame:
    return (
        frame.select(
            pl.col("postcode").cast(pl.String).str.replace_all(r"\s", "").str.to_uppercase()
        )
        .drop_nulls()
        .unique()
    )


def load_reference(directory: Path | str) -> Reference:
    """Load DIR/organisations.csv and DIR/postcodes.csv (either may be absent)."""
    directory = Path(directory)
    if not directory.is_dir():
        raise ReferenceError(f"{directory} is not a directory")
    organisations = postcodes = None
    if (directory / "organisations.csv").is_file():
        organisations = normalise_organisations(_read(directory / "organisations.csv", ("code",)))
    if (directory / "postcodes.csv").is_file():
        postcodes = normalise_postcodes(_read(directory / "postcodes.csv", ("postcode",)))
    if organisations is None and postcodes is None:
        raise ReferenceError(f"{directory} holds neither organisations.csv nor postcodes.csv")
    return Reference(organisations=organisations, postcodes=postcodes)


def normalise_codes(frame: pl.DataFrame) -> pl.DataFrame:
    for column in CODE_COLUMNS:
        if column not in frame.columns:
            frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias(column))
    system = (
        pl.col("code_system")
        .cast(pl.String)
        .str.strip_chars()
        .str.to_uppercase()
        .str.replace_all(r"[\s_]", "-")
    )
    frame = frame.with_columns(
        pl.when(system.str.starts_with("SNOMED"))
        .then(pl.lit(SNOMED_CT))
        .otherwise(system)
        .alias("code_system"),
        pl.col("code").cast(pl.String).str.strip_chars().str.to_uppercase(),
        pl.col("snomed_map").cast(pl.String).str.strip_chars(),
    )
    for column in ("valid_from", "valid_to"):
        if frame.schema[column] != pl.Date:
            frame = frame.with_columns(
                _to_date(column)
                if frame.schema[column] == pl.String
                else pl.col(column).cast(pl.Date)
            )
    frame = frame.with_columns(
        pl.when(pl.col("snomed_map") == "")
        .then(None)
        .otherwise(pl.col("snomed_map"))
        .alias("snomed_map")
    )
    return frame.select(CODE_COLUMNS).unique(
        ["code_system", "code"], keep="first", maintain_order=True
    )


def load_codes(path: Path | str) -> pl.DataFrame:
    """Load the imaging code reference (see the module docstring for the format)."""
    path = Path(path)
    if not path.is_file():
        raise ReferenceError(f"{path} is not a file")
    frame = normalise_codes(_read(path, ("code_system", "code", "description", "modality")))
    unknown = frame.filter(~pl.col("code_system").is_in([NICIP, SNOMED_CT]))
    if unknown.height:
        raise ReferenceError(
            f"{path.name}: code_system must be NICIP or SNOMED-CT, not {unknown['code_system'][0]!r}"
        )
    return frame


CODES_FILE = "imaging-codes.csv"


def write_reference(
    directory: Path | str, reference: Reference, codes: pl.DataFrame | None = None
) -> list[Path]:
    """Write reference data in the formats load_reference and load_codes read:
    DIR/organisations.csv, DIR/postcodes.csv and DIR/imaging-codes.csv (each only when
    given). Returns the files written."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    if reference.organisations is not None:
        path = directory / "organisations.csv"
        reference.organisations.select(ORGANISATION_COLUMNS).write_csv(path, date_format="%Y-%m-%d")
        written.append(path)
    if reference.postcodes is not None:
        path = directory / "postcodes.csv"
        reference.postcodes.select("postcode").write_csv(path)
        written.append(path)
    if codes is not None:
        path = directory / CODES_FILE
        codes.select(CODE_COLUMNS).write_csv(path, date_format="%Y-%m-%d")
        written.append(path)
    return written
