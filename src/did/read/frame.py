"""The record frame every reader yields: the 18 item columns as strings plus record_number."""

import polars as pl

from did.spec.items import COLUMNS

RECORD_NUMBER = "record_number"
SCHEMA: dict[str, pl.DataType] = {RECORD_NUMBER: pl.Int64(), **{c: pl.String() for c in COLUMNS}}


def empty_frame() -> pl.DataFrame:
    return pl.DataFrame(schema=SCHEMA)


def with_record_numbers(frame: pl.DataFrame, first: int) -> pl.DataFrame:
    """Put record_number first and the items in spec order; `first` is 1-based."""
    numbers = pl.int_range(first, first + frame.height, dtype=pl.Int64, eager=True)
    return frame.select(pl.lit(numbers).alias(RECORD_NUMBER), *[pl.col(c) for c in COLUMNS])
