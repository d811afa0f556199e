"""The imaging code reference: NICIP and SNOMED CT codes with their modality and body region.

The file format (`--codes FILE`) is a CSV with the header
`code_system,code,description,modality,body_region,valid_from,valid_to,snomed_map`:
`code_system` is `NICIP` or `SNOMED-CT`; `modality` is one of did.spec.derived.MODALITIES;
`valid_from`/`valid_to` are CCYY-MM-DD or blank (no bound); `snomed_map` is, for a NICIP row,
the SNOMED CT concept it maps to (blank when not mapped).

A small starter reference ships in did/data/imaging_codes.csv so that derivations and
synthetic data work out of the box; `did codes-import` turns an official NICIP to SNOMED CT
mapping file into the same format (docs/adr/021-imaging-code-reference.md).
"""

from functools import cache
from importlib import resources
from pathlib import Path

import polars as pl

CODE_COLUMNS: tuple[str, ...] = (
    "code_system",
    "code",
    "description",
    "modality",
    "body_region",
    "valid_from",
    "valid_to",
    "snomed_map",
)
NICIP = "NICIP"
SNOMED_CT = "SNOMED-CT"

# Verhoeff's dihedral group D5 multiplication table, and the position permutation:
# row i of the permutation table is the first row applied i times.
_D5 = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 2, 3, 4, 0, 6, 7, 8, 9, 5),
    (2, 3, 4, 0, 1, 7, 8, 9, 5, 6),
    (3, 4, 0, 1, 2, 8, 9, 5, 6, 7),
    (4, 0, 1, 2, 3, 9, 5, 6, 7, 8),
    (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
    (6, 5, 9, 8, 7, 1, 0, 4, 3, 2),
    (7, 6, 5, 9, 8, 2, 1, 0, 4, 3),
    (8, 7, 6, 5, 9, 3, 2, 1, 0, 4),
    (9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
)
_P1 = (1, 5, 7, 6, 2, 8, 3, 0, 9, 4)


def _permutations() -> tuple[tuple[int, ...], ...]:
    rows = [tuple(range(10))]
    for _ in range(7):
        rows.append(tuple(rows[-1][_P1[j]] for j in range(10)))
    return tuple(rows)


_PERM = _permutations()


def verhoeff_valid(digits: str) -> bool:
    """True when the last digit of `digits` is its Verhoeff check digit."""
    if not digits.isascii() or not digits.isdigit():
        return False
    check = 0
    for position, char in enumerate(reversed(digits)):
        check = _D5[check][_PERM[position % 8][int(char)]]
    return check == 0


def is_snomed_concept_id(value: str) -> bool:
    """A SNOMED CT concept id: 6-18 digits, concept partition (00 or 10), Verhoeff check."""
    value = value.strip()
    return (
        6 <= len(value) <= 18
        and value.isascii()
        and value.isdigit()
        and value[0] != "0"
        and value[-3:-1] in ("00", "10")
        and verhoeff_valid(value)
    )


def starter_codes_path() -> Path:
    return Path(str(resources.files("did") / "data" / "imaging_codes.csv"))


def read_codes(path: str | Path) -> pl.DataFrame:
    """Read an imaging code reference CSV as strings; optional columns are added blank."""
    frame = pl.read_csv(path, infer_schema=False)
    missing = [c for c in CODE_COLUMNS[:4] if c not in frame.columns]
    if missing:
        raise ValueError(f"{path}: the imaging code reference needs the columns {missing}")
    return frame.with_columns(
        pl.lit("").alias(c) for c in CODE_COLUMNS if c not in frame.columns
    ).select(pl.col(c).fill_null("").str.strip_chars() for c in CODE_COLUMNS)


@cache
def _starter() -> pl.DataFrame:
    return read_codes(starter_codes_path())


def starter_codes() -> pl.DataFrame:
    """The bundled starter reference (a fresh frame each call; the parse is cached)."""
    return _starter().clone()
