"""Derived records for the publications tests, built directly as Polars frames."""

from pathlib import Path

import polars as pl

from did.publish.sample import full_width


def records(*groups: dict) -> pl.DataFrame:
    """Each group is a dict of column values plus `n`, the number of identical records."""
    rows = []
    for group in groups:
        group = dict(group)
        n = group.pop("n", 1)
        group.setdefault("patient_source_setting", "03")
        rows += [group] * n
    frame = pl.DataFrame(
        rows,
        schema_overrides={
            "days_request_to_test": pl.Int32,
            "days_test_to_report": pl.Int32,
        },
        infer_schema_length=None,
    )
    frame = frame.with_columns(
        (pl.col("period") + "-15").str.to_date().alias("test_day"),
        pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias("record_number"),
    )
    return full_width(frame)


def write(frame: pl.DataFrame, folder: Path, name: str = "part-0.parquet") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    frame.write_parquet(path)
    return path
