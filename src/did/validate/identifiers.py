"""Check-digit tests as column expressions (NHS number) or on distinct values (SNOMED CT)."""

import re

import polars as pl

# Verhoeff dihedral-group tables.
_D = (
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
_P = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 5, 7, 6, 2, 8, 3, 0, 9, 4),
    (5, 8, 0, 3, 7, 9, 6, 1, 4, 2),
    (8, 9, 1, 6, 0, 4, 3, 5, 2, 7),
    (9, 4, 5, 3, 1, 2, 6, 8, 7, 0),
    (4, 2, 8, 6, 5, 7, 3, 9, 0, 1),
    (2, 7, 9, 3, 8, 0, 6, 4, 1, 5),
    (7, 0, 4, 6, 9, 1, 3, 2, 5, 8),
)
_SNOMED_SHAPE = re.compile(r"[1-9][0-9]{5,17}")
# The partition identifier (2nd and 3rd digits from the right) of a concept id: 00 for the
# international release, 10 for an extension (such as the UK's).
_CONCEPT_PARTITIONS = {"00", "10"}


def verhoeff_ok(digits: str) -> bool:
    check = 0
    for position, char in enumerate(reversed(digits)):
        check = _D[check][_P[position % 8][int(char)]]
    return check == 0


def is_snomed_concept_id(value: str) -> bool:
    """Digits, 6-18 long, no leading zero, a concept partition and a valid Verhoeff digit."""
    return (
        _SNOMED_SHAPE.fullmatch(value) is not None
        and value[-3:-1] in _CONCEPT_PARTITIONS
        and verhoeff_ok(value)
    )


def invalid_snomed_ids(values: pl.Series) -> pl.Series:
    """The distinct values in `values` that are not SNOMED CT concept ids.

    Called on the distinct codes of a batch (a few thousand at most), not on every record.
    """
    distinct = values.drop_nulls().unique()
    return pl.Series(
        [v for v in distinct.to_list() if not is_snomed_concept_id(v)], dtype=pl.String
    )


def ten_digits(column: str) -> pl.Expr:
    """The value as an integer when it is exactly ten ASCII digits, else null."""
    text = pl.col(column)
    return pl.when(text.str.contains(r"^[0-9]{10}$")).then(text).cast(pl.Int64, strict=False)


def modulus_11_check_digit(digits: str) -> pl.Expr:
    """The check digit the first nine digits call for (10: no valid number has them).

    `digits` names an integer column of ten-digit values (see ten_digits). Weights 10..2
    on the first nine digits; check = 11 - (sum mod 11), and 11 means 0. Integer
    arithmetic on a materialised column: string slicing per digit, or re-parsing the
    text for each digit, costs ten times as much.
    """
    nine = pl.col(digits) // 10
    weighted = sum(((nine // 10 ** (8 - i)) % 10) * (10 - i) for i in range(9))
    return (11 - weighted % 11) % 11


def nhs_number_fails_modulus_11(digits: str, check: str) -> pl.Expr:
    """True unless the ten-digit value in `digits` ends in the check digit in `check`.

    Null digits (not ten digits) fail; a check of 10 never equals a last digit.
    """
    return ~(pl.col(check) == pl.col(digits) % 10).fill_null(False)


def nhs_number_is_palindrome(column: str) -> pl.Expr:
    text = pl.col(column)
    return text.str.slice(0, 5) == text.str.slice(5, 5).str.reverse()
