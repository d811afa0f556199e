"""The fast path: a plain CSV file (did.read.plain) validated in streaming passes.

Polars' streaming engine reads the file on both cores and evaluates the rules in the same
pipeline; the records on which a rule fires go to disk (in a file where every record
fires, they are the whole file) and come back a slice at a time. When the records are kept
(the portal), they are normalised and sunk to the spool in the same pass. Otherwise the
rules screen every record mostly untrimmed (checks.screen: trimming is the dearest step)
and the records on which one fires are checked again, normalised: the same rules decide.
A file that turns out not to be plain while it is scanned is left to the general reader.
"""

import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path

import polars as pl

from did import scratch
from did.read.frame import RECORD_NUMBER
from did.read.plain import PlainCsv
from did.spec.items import COLUMNS
from did.validate.checks import normalise, screen
from did.validate.validator import Validator

PROGRESS_SECONDS = 0.25
FIRED_SLICE = 250_000  # records on which a rule fires, taken from disk at a time
# Records scanned by one streaming pass. Polars' streaming engine reads ahead of its
# slowest stage without a bound, so one pass over a whole file took memory in proportion
# to the file (5,000,000 records: half as much again as 1,000,000); a pass of a bounded
# number of records, each starting where the last ended, does not (docs/adr/016).
BLOCK_RECORDS = 1_000_000
# Bytes of the file Polars' CSV reader reads at a time. It reads chunks ahead of the parse,
# and with its default size a pass over the first 1,000,000 records of a longer file held
# 440 MiB (160 MiB more than the same pass over a file of 1,000,000); with 4 MB chunks the
# two are within a tenth (docs/adr/016). Polars reads the variable when a scan starts; an
# operator's own setting wins.
CSV_CHUNK_BYTES = "4000000"
os.environ.setdefault("POLARS_CSV_CHUNK_SIZE", CSV_CHUNK_BYTES)


def _collect(plans: list[pl.LazyFrame], progress: Callable[[], None] | None) -> list:
    """Run the plans in one streaming pass; call `progress` every quarter second meanwhile,
    from this thread (the caller's callback may use a database connection)."""
    if progress is None:
        return pl.collect_all(plans, engine="streaming")
    with ThreadPoolExecutor(max_workers=1) as pool:
        running = pool.submit(pl.collect_all, plans, engine="streaming")
        while True:
            try:
                return running.result(timeout=PROGRESS_SECONDS)
            except FutureTimeout:
                progress()


def _noting_progress(
    raw: pl.LazyFrame, progress: Callable[[int], None] | None
) -> tuple[pl.LazyFrame, Callable[[], None] | None]:
    """`raw` noting the highest record number scanned, and a callable that passes it to
    `progress` (None without one)."""
    if progress is None:
        return raw, None
    seen = [0]

    def note(numbers: pl.Series) -> pl.Series:
        if numbers.len():
            seen[0] = max(seen[0], numbers.max())
        return numbers

    noted = pl.col(RECORD_NUMBER).map_batches(note, return_dtype=pl.Int64, is_elementwise=True)
    return raw.with_columns(noted), lambda: progress(seen[0])


def _plans(
    raw: pl.LazyFrame, validator: Validator, part: Path | None, found: Path
) -> list[pl.LazyFrame]:
    """[records on which a rule fires, sunk to `found`; the spill; byte tally; and the
    normalised records sunk to the spool's `part` when kept].

    The byte count rides along with each record, so the scan is not forked before the
    rules (forking there costs a third more time).
    """
    counted = PlainCsv.with_row_bytes(raw)
    if part is None:
        records = screen(counted)
        found_plan = validator.candidates(records)
        kept = []
    else:
        records = normalise(counted)
        found_plan = validator.fired(records)
        kept = [
            records.select(RECORD_NUMBER, *COLUMNS).sink_parquet(part, compression="lz4", lazy=True)
        ]
    # What each record leaves for DIDS071 and DIDP114 goes to the spill (Validator.spill).
    # The spill's and the found records' order does not matter (issues are sorted last):
    # sinks that need not keep it need not wait for the slowest morsel.
    spill = validator.spill(records).sink_parquet(
        validator.spill_file(), compression="uncompressed", maintain_order=False, lazy=True
    )
    return [
        found_plan.sink_parquet(found, compression="lz4", maintain_order=False, lazy=True),
        spill,
        PlainCsv.tally(records),
        *kept,
    ]


def validate_whole(
    plain: PlainCsv,
    validator: Validator,
    spool: Path | None,
    progress: Callable[[int], None] | None,
) -> bool:
    """Validate a plain CSV file, BLOCK_RECORDS records a streaming pass. False, having
    kept nothing, when the file turns out not to be plain: the caller reads it again with
    the general reader, which says what is wrong and where."""
    rows = field_bytes = 0
    with scratch.directory(scratch.FIRED) as work:
        found_files = []
        while True:
            block = len(found_files)
            raw = plain.records(first=rows + 1, count=BLOCK_RECORDS)
            raw, report_progress = _noting_progress(raw, progress)
            found_files.append(Path(work) / f"found-{block:06d}.parquet")
            part = spool / f"part-{block:06d}.parquet" if spool is not None else None
            plans = _plans(raw, validator, part, found_files[-1])
            try:
                _, _, tally, *_ = _collect(plans, report_progress)
            except pl.exceptions.PolarsError:
                break  # bytes that are not UTF-8, or a line with too many fields
            block_rows, block_bytes = tally.row(0)
            rows, field_bytes = rows + block_rows, field_bytes + (block_bytes or 0)
            if block_rows < BLOCK_RECORDS or plain.read_to_end(rows, field_bytes):
                break
        if not plain.complete(rows, field_bytes):
            if spool is not None:
                for part in spool.glob("part-*.parquet"):
                    part.unlink()
            return False
        validator.after_records()
        for found_file in found_files:
            for found in _slices(found_file):
                if spool is None:  # screened candidates: check again, normalised
                    found = validator.fired(normalise(found).lazy()).collect()
                validator.take_issues(found)
    validator.count(rows)
    if progress is not None:
        progress(rows)
    return True


def _slices(path: Path) -> Iterator[pl.DataFrame]:
    """The rows of a Parquet file, FIRED_SLICE at a time."""
    scan = pl.scan_parquet(path)
    total = scan.select(pl.len()).collect().item()
    for offset in range(0, total, FIRED_SLICE):
        yield scan.slice(offset, FIRED_SLICE).collect()
