"""The pipeline's sink: the files a validation leaves for the record store.

    out/issues.parquet    every issue (did.report.STORED_ISSUE_COLUMNS), file errors first
    out/records.parquet   the accepted records: the 18 items (trimmed, blanks null) and the
                          derived columns of did.spec.derived, only when the file is accepted

The portal's worker and `did validate --out` write exactly these. The accepted records are
derived RECORD_BATCH at a time, and Polars' streaming engine writes them as they come: its
source is a generator of derived batches (a Polars IO source), which it pulls only as fast
as it writes, so memory does not grow with the file. (One lazy plan from the spool to the
file streamed too, but the engine read ahead of its slowest stage without bound: storing
5,000,000 records took 2.4 GiB that way, 1,000,000 took 0.6 GiB; docs/adr/016.)
"""

from collections.abc import Iterator
from pathlib import Path

import polars as pl
from polars.io.plugins import register_io_source

from did.derive import derive
from did.read.frame import empty_frame
from did.report import Report

ISSUES_FILE = "issues.parquet"
RECORDS_FILE = "records.parquet"
# zstd level 1 is within 3% of the default level's size and much faster to write. Column
# statistics are left out: a records file holds one organisation and one period and is
# always read whole, so nothing prunes on min/max, and computing them for every text
# column cost more than a second per million records (docs/benchmarks.md).
PARQUET_OPTIONS = {"compression": "zstd", "compression_level": 1, "statistics": False}
# Records derived and written at a time: about 100 MB of memory.
RECORD_BATCH = 100_000


def write_outputs(report: Report, context, out: Path) -> None:
    """Write `out/issues.parquet` and, for an accepted file, `out/records.parquet`.
    `context` is the did.validate.Context the report was made with (its reference data
    derive the records)."""
    out.mkdir(parents=True, exist_ok=True)
    report.stored_issues().write_parquet(out / ISSUES_FILE, **PARQUET_OPTIONS)
    records = out / RECORDS_FILE
    records.unlink(missing_ok=True)
    if report.accepted:

        def derived() -> Iterator[pl.DataFrame]:
            for batch in report.accepted_record_batches(RECORD_BATCH):
                yield derive(batch, reference=context.reference, codes=context.codes)

        streamed(derived, derive(empty_frame()).schema).sink_parquet(records, **PARQUET_OPTIONS)


def streamed(batches, schema: pl.Schema) -> pl.LazyFrame:
    """A LazyFrame that reads the frames `batches()` yields, one at a time, as needed."""

    def source(with_columns, predicate, n_rows, _batch_size) -> Iterator[pl.DataFrame]:
        left = n_rows
        for batch in batches():
            if with_columns is not None:
                batch = batch.select(with_columns)
            if predicate is not None:
                batch = batch.filter(predicate)
            if left is not None:
                batch = batch.head(left)
                left -= batch.height
            yield batch
            if left == 0:
                return

    return register_io_source(source, schema=schema)
