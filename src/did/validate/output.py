"""The pipeline's sink: the files a validation leaves for the record store.

    out/issues.parquet    every issue (did.report.STORED_ISSUE_COLUMNS), file errors first
    out/records.parquet   the accepted records: the 18 items (trimmed, blanks null) and the
                          derived columns of did.spec.derived, only when the file is accepted

The portal's worker and `did validate --out` write exactly these. The records are derived
and written by one streaming pass over the spooled records, so memory does not grow with
the file.
"""

from pathlib import Path

from did.derive import derive
from did.report import Report

ISSUES_FILE = "issues.parquet"
RECORDS_FILE = "records.parquet"
# zstd level 1 is within 3% of the default level's size and much faster to write. Column
# statistics are left out: a records file holds one organisation and one period and is
# always read whole, so nothing prunes on min/max, and computing them for every text
# column cost more than a second per million records (docs/benchmarks.md).
PARQUET_OPTIONS = {"compression": "zstd", "compression_level": 1, "statistics": False}


def write_outputs(report: Report, context, out: Path) -> None:
    """Write `out/issues.parquet` and, for an accepted file, `out/records.parquet`.
    `context` is the did.validate.Context the report was made with (its reference data
    derive the records)."""
    out.mkdir(parents=True, exist_ok=True)
    report.stored_issues().write_parquet(out / ISSUES_FILE, **PARQUET_OPTIONS)
    records = out / RECORDS_FILE
    records.unlink(missing_ok=True)
    if report.accepted:
        derived = derive(
            report.scan_accepted_records(), reference=context.reference, codes=context.codes
        )
        derived.sink_parquet(records, **PARQUET_OPTIONS)
