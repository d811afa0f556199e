"""CSV exports streamed from Parquet, safe to open in a spreadsheet.

A cell that starts with = + - @ (or a tab or carriage return) would be read by Excel and
friends as a formula, so it is prefixed with an apostrophe (OWASP "CSV injection").
"""

import io
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq

from did.spec.items import COLUMNS

FORMULA_START = r"^[=+\-@\t\r]"
BATCH_ROWS = 50_000


def neutralise(frame: pl.DataFrame) -> pl.DataFrame:
    text_columns = [name for name, dtype in frame.schema.items() if dtype == pl.Utf8]
    return frame.with_columns(
        pl.when(pl.col(name).str.contains(FORMULA_START))
        .then(pl.lit("'") + pl.col(name))
        .otherwise(pl.col(name))
        .alias(name)
        for name in text_columns
    )


def _csv_chunks(path: Path, columns: list[str] | None, header: bool) -> Iterator[bytes]:
    parquet = pq.ParquetFile(path)
    wanted = columns or parquet.schema_arrow.names
    first = True
    for batch in parquet.iter_batches(batch_size=BATCH_ROWS, columns=wanted):
        frame = neutralise(pl.from_arrow(batch).cast({name: pl.Utf8 for name in wanted}))
        buffer = io.BytesIO()
        frame.write_csv(buffer, include_header=header and first)
        first = False
        yield buffer.getvalue()
    if first and header:
        yield (",".join(wanted) + "\n").encode()


def records_csv(path: Path) -> Iterator[bytes]:
    """The accepted records in the submission format: the 18 items, no header row."""
    return _csv_chunks(path, list(COLUMNS), header=False)


def issues_csv(path: Path | None) -> Iterator[bytes]:
    if path is None or not path.exists():
        return iter([b"record_number,rule,severity,item,value,message\n"])
    return _csv_chunks(path, None, header=True)
