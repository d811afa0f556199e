"""Check-digit tests as column expressions (NHS number) or on distinct values (SNOMED CT)."""

import polars as pl

# One definition of a SNOMED CT concept id (shape, partition, Verhoeff check digit) serves
# the validator, the imaging code reference and the mapping importer.
from did.imaging_codes import is_snomed_concept_id


def invalid_snomed_ids(values: pl.Series) -> pl.Series:
    """The distinct values in `values` that are not SNOMED CT concept ids.

    Called on the distinct codes of a batch (a few thousand at most), not on every record.
    """
    distinct = values.drop_nulls().unique()
    return pl.Series(
        [v for v in distinct.to_list() if not is_snomed_concept_id(v)], dtype=pl.String
    )


def ten_digits(column: str) -> pl.Expr:
    """The value as an integer when it is exactly ten ASCII digits, else null.

    Ten bytes that parse as an integer are ten digits unless the first is a sign (the
    parse accepts nothing else but digits); four times faster than matching a pattern.
    """
    text = pl.col(column)
    signed = text.str.starts_with("+") | text.str.starts_with("-")
    return pl.when((text.str.len_bytes() == 10) & ~signed).then(text.cast(pl.Int64, strict=False))


def modulus_11_check_digit(digits: str) -> pl.Expr:
    """The check digit the first nine digits call for (10: no valid number has them).

    `digits` names an integer column of ten-digit values (see ten_digits). Weights 10..2
    on the first nine digits; check = 11 - (sum mod 11), and 11 means 0. Integer
    arithmetic on a materialised column: string slicing per digit, or re-parsing the
    text for each digit, costs ten times as much.
    """
    # The first nine digits fit 32 bits, whose division is the cheaper.
    nine = (pl.col(digits) // 10).cast(pl.UInt32)
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
