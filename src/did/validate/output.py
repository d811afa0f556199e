"""The pipeline's sink: the files a validation leaves for the record store.

    out/issues.parquet    every issue (did.report.STORED_ISSUE_COLUMNS), file errors first
    out/records.parquet   the accepted records: the 18 items (trimmed, blanks null) and the
                          derived columns of did.spec.derived, only when the file is accepted

The portal's worker and `did validate --out` write exactly these. The accepted records are
derived and written RECORD_BATCH at a time, one row group each, so memory does not grow
with the file. (One lazy plan from the spool to the file streamed too, but Polars' streaming
engine reads ahead of a slow stage without bound: storing 5,000,000 records took 2.4 GiB
that way, 1,000,000 took 0.6 GiB; docs/adr/016.)
"""

from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq

from did.derive import derive
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
        derived = (
            derive(batch, reference=context.reference, codes=context.codes)
            for batch in report.accepted_record_batches(RECORD_BATCH)
        )
        write_batches(derived, records)


def write_batches(batches: Iterator[pl.DataFrame], path: Path) -> None:
    """Write the frames to one Parquet file with PARQUET_OPTIONS, a row group each."""
    writer = None
    try:
        for batch in batches:
            if batch.is_empty() and writer is not None:
                continue
            table = batch.to_arrow()
            if writer is None:
                writer = pq.ParquetWriter(
                    path,
                    table.schema,
                    compression=PARQUET_OPTIONS["compression"],
                    compression_level=PARQUET_OPTIONS["compression_level"],
                    write_statistics=PARQUET_OPTIONS["statistics"],
                )
            writer.write_table(table.cast(writer.schema))
    finally:
        if writer is not None:
            writer.close()
