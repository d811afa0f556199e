"""CSV exports streamed from Parquet, safe to open in a spreadsheet.

A cell that starts with = + - @ (or a tab or carriage return) would be read by Excel and
friends as a formula, so it is prefixed with an apostrophe (OWASP "CSV injection").
"""

import io
from collections.abc import Iterator

import polars as pl
import pyarrow.parquet as pq

from did.spec.items import BY_NAME, COLUMNS

FORMULA_START = r"^[=+\-@\t\r]"
BATCH_ROWS = 50_000
# The issues CSV: where to find the record (site code and accession number) beside the
# problem, items named as the data set names them. Reports stored before the site code
# and accession number were kept have those cells empty.
ISSUE_CSV_COLUMNS = (
    "record_number",
    "site_code",
    "accession_number",
    "rule",
    "severity",
    "item",
    "value",
    "message",
)
ITEM_NAMES = {name: item.title for name, item in BY_NAME.items()}


def neutralise(frame: pl.DataFrame) -> pl.DataFrame:
    text_columns = [name for name, dtype in frame.schema.items() if dtype == pl.Utf8]
    return frame.with_columns(
        pl.when(pl.col(name).str.contains(FORMULA_START))
        .then(pl.lit("'") + pl.col(name))
        .otherwise(pl.col(name))
        .alias(name)
        for name in text_columns
    )


def _csv_chunks(
    parquet: pq.ParquetFile, columns: list[str], header: bool, shape=None
) -> Iterator[bytes]:
    """Stream `columns` as CSV; `shape(frame)` may rename or add columns on the way."""
    stored = parquet.schema_arrow.names
    read = [name for name in columns if name in stored]
    first = True
    for batch in parquet.iter_batches(batch_size=BATCH_ROWS, columns=read):
        frame = pl.from_arrow(batch).cast({name: pl.Utf8 for name in read})
        if shape is not None:
            frame = shape(frame)
        frame = neutralise(frame.select(columns))
        buffer = io.BytesIO()
        frame.write_csv(buffer, include_header=header and first)
        first = False
        yield buffer.getvalue()
    if first and header:
        yield (",".join(columns) + "\n").encode()


def records_csv(parquet: pq.ParquetFile) -> Iterator[bytes]:
    """The accepted records in the submission format: the 18 items, no header row."""
    return _csv_chunks(parquet, list(COLUMNS), header=False)


def _issue_shape(frame: pl.DataFrame) -> pl.DataFrame:
    missing = [name for name in ISSUE_CSV_COLUMNS if name not in frame.columns]
    frame = frame.with_columns(pl.lit(None, dtype=pl.Utf8).alias(name) for name in missing)
    return frame.with_columns(pl.col("item").replace(ITEM_NAMES))


def issues_csv(parquet: pq.ParquetFile | None) -> Iterator[bytes]:
    if parquet is None:
        return iter([(",".join(ISSUE_CSV_COLUMNS) + "\n").encode()])
    return _csv_chunks(parquet, list(ISSUE_CSV_COLUMNS), header=True, shape=_issue_shape)
