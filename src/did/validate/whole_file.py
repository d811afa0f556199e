"""The fast path: a plain CSV file (did.read.plain) validated in one streaming pass.

Polars' streaming engine reads the file on both cores and evaluates the rules in the same
pipeline; the records on which a rule fires go to disk (in a file where every record
fires, they are the whole file) and come back a slice at a time. When the records are kept
(the portal), they are normalised and sunk to the spool in the same pass. Otherwise the
rules screen every record mostly untrimmed (checks.screen: trimming is the dearest step)
and the records on which one fires are checked again, normalised: the same rules decide.
A file that turns out not to be plain while it is scanned is left to the general reader.
"""

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
WHOLE_FILE_PART = "part-000000.parquet"  # the spooled records of a whole-file scan


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
    raw: pl.LazyFrame, validator: Validator, spool: Path | None, found: Path
) -> list[pl.LazyFrame]:
    """[records on which a rule fires, sunk to `found`; DIDS071 keys; byte tally; and the
    normalised records sunk to the spool when kept].

    The byte count rides along with each record, so the scan is not forked before the
    rules (forking there costs a third more time).
    """
    counted = PlainCsv.with_row_bytes(raw)
    if spool is None:
        records = screen(counted)
        found_plan = validator.candidates(records)
        kept = []
    else:
        records = normalise(counted)
        found_plan = validator.fired(records)
        kept = [
            records.select(RECORD_NUMBER, *COLUMNS).sink_parquet(
                spool / WHOLE_FILE_PART, compression="lz4", lazy=True
            )
        ]
    # The DIDS071 keys and their hashes go to the validator's key spill (validator.py).
    keys = validator.keys(records).sink_parquet(
        validator.key_spill_file(), compression="uncompressed", lazy=True
    )
    return [
        found_plan.sink_parquet(found, compression="lz4", lazy=True),
        keys,
        PlainCsv.tally(records),
        *kept,
    ]


def validate_whole(
    plain: PlainCsv,
    validator: Validator,
    spool: Path | None,
    progress: Callable[[int], None] | None,
) -> bool:
    """Validate a plain CSV file in one pass. False, having kept nothing, when the file
    turns out not to be plain: the caller reads it again with the general reader, which
    says what is wrong and where."""
    raw, report_progress = _noting_progress(plain.records(), progress)
    with scratch.directory(scratch.FIRED) as work:
        found_path = Path(work) / "found.parquet"
        plans = _plans(raw, validator, spool, found_path)
        try:
            _, _, tally, *_ = _collect(plans, report_progress)
        except pl.exceptions.PolarsError:
            complete = False  # bytes that are not UTF-8, or a line with too many fields
        else:
            rows, field_bytes = tally.row(0)
            complete = plain.complete(rows, field_bytes)
        if not complete:
            if spool is not None:
                (spool / WHOLE_FILE_PART).unlink(missing_ok=True)
            return False
        for found in _slices(found_path):
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
