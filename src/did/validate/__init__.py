"""The validator: every rule, column-wise, batch by batch.

    from did.validate import validate_file
    report = validate_file(path, received=date.today(), reference=ref, codes=codes)
    report.status, report.to_dict(), report.records

Record rules are Polars expressions (checks.py, reference_checks.py). A plain CSV file
(did.read.plain) is validated in one pass over the whole file. When no records are kept
and every rule is one the compiled screen knows, that pass is the screen's (compiled.py,
docs/adr/013), and only the records it flags go through the rules; otherwise it is a
Polars streaming scan, in which the rules screen every record mostly untrimmed
(checks.screen) and the records on which one fires are checked again, normalised
(docs/adr/012). Any other file is read batch by batch by the
general reader and each batch is normalised and checked. The whole-file rule DIDS071 (site
code + accession number unique) runs once over a two-column key frame gathered from every
record. Validated records are spooled to Parquet in a private temporary directory (when
keep_records is True) so a 10-million-record file never sits in memory.
"""

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from datetime import date
from pathlib import Path

import polars as pl

from did import scratch
from did.read import FileRejected, open_records
from did.read.frame import RECORD_NUMBER
from did.read.plain import PlainCsv, plain_csv
from did.reference import Reference
from did.report import ISSUE_SCHEMA, RULE_ENUM, FileError, Report, empty_issues, quoted
from did.spec.items import COLUMNS
from did.spec.policy import DEFAULT_POLICY, Policy
from did.spec.rules import RECORD_RULES, RULES
from did.validate import compiled
from did.validate.checks import normalise, prepare, record_masks, screen
from did.validate.identifiers import invalid_snomed_ids
from did.validate.reference_checks import not_checked, reference_helpers, reference_masks

__all__ = ["DEFAULT_POLICY", "validate_file", "validate_frames"]

_RULE_ORDER = [rule.code for rule in RECORD_RULES]
PROGRESS_SECONDS = 0.25
FIRED_SLICE = 250_000  # records on which a rule fires, taken from disk at a time
WHOLE_FILE_PART = "part-000000.parquet"  # the spooled records of a whole-file scan


class _Validator:
    def __init__(
        self,
        *,
        received: date,
        reference: Reference | None,
        codes: pl.DataFrame | None,
        policy: Policy,
    ) -> None:
        self.received, self.policy = received, policy
        masks = record_masks(received, policy)
        masks.update(reference_masks(reference, codes))
        # A SNOMED CT code that is not a concept id is reported once, as DIDP114, not
        # again as unknown to the code reference.
        masks["DIDP114"] = pl.col("_snomed_bad")
        if "DIDS059" in masks:
            masks["DIDS059"] = masks["DIDS059"] & ~pl.col("_snomed_bad")
        self.ordered = [code for code in _RULE_ORDER if code in masks]
        # The compiled screen may pick the records to check only if it knows every rule.
        self.screenable = set(self.ordered) <= compiled.SCREENED_RULES
        self.masks = masks
        self.helpers = reference_helpers(reference, codes)
        self.issue_parts: list[pl.DataFrame] = []
        self.key_parts: list[pl.DataFrame] = []
        self.record_count = 0
        self.bad_snomed: dict[str, bool] = {}

    def _snomed_bad(self, values: pl.Series) -> pl.Series:
        """True where the value is not a SNOMED CT concept id. The check digit is tested
        in Python on each distinct value once; records are matched column-wise."""
        distinct = values.drop_nulls().unique()
        fresh = distinct.filter(~distinct.is_in(list(self.bad_snomed)))
        if fresh.len():
            invalid = set(invalid_snomed_ids(fresh).to_list())
            self.bad_snomed.update({v: v in invalid for v in fresh.to_list()})
        return values.is_in([v for v, is_bad in self.bad_snomed.items() if is_bad])

    def _work(self, records: pl.LazyFrame) -> pl.LazyFrame:
        """The records with the helper columns the rules read."""
        snomed_bad = pl.col("snomed_code").map_batches(
            self._snomed_bad, return_dtype=pl.Boolean, is_elementwise=True
        )
        return (
            prepare(records)
            .with_columns(self.helpers)
            .with_columns(snomed_bad.alias("_snomed_bad"))
        )

    def fired(self, records: pl.LazyFrame) -> pl.LazyFrame:
        """The normalised records on which any rule fires: record_number, the 18 items
        and one boolean column per rule (True where it fires)."""
        flags = [self.masks[code].fill_null(False).alias(code) for code in self.ordered]
        return (
            self._work(records)
            .select(RECORD_NUMBER, *COLUMNS, *flags)
            .filter(pl.any_horizontal(self.ordered))
        )

    def candidates(self, screened: pl.LazyFrame) -> pl.LazyFrame:
        """The records (as screened, see checks.screen) on which any rule fires."""
        # A rule that is null (unknown) does not fire: any_horizontal is True only where
        # one is True, so the masks need no fill_null here.
        fires = pl.any_horizontal(self.masks[code] for code in self.ordered)
        return self._work(screened).filter(fires).select(RECORD_NUMBER, *COLUMNS)

    @staticmethod
    def keys(records: pl.LazyFrame) -> pl.LazyFrame:
        """Each record's site code and accession number, for DIDS071 over the whole file."""
        return records.select(
            RECORD_NUMBER, pl.col("site_code").str.to_uppercase(), "accession_number"
        ).drop_nulls()

    def take(self, fired: pl.DataFrame, keys: pl.DataFrame, record_count: int) -> None:
        """Keep the issues of `fired` (see fired) and the DIDS071 keys of some records."""
        self.take_issues(fired)
        self.take_keys(keys, record_count)

    def take_keys(self, keys: pl.DataFrame, record_count: int) -> None:
        """Keep the DIDS071 keys (see keys) of `record_count` more records."""
        self.key_parts.append(keys)
        self.record_count += record_count

    def take_issues(self, fired: pl.DataFrame) -> None:
        """Keep the issues of `fired` (see fired): record, rule and value of each."""
        fired = fired.rechunk()  # a streaming scan leaves one chunk per morsel
        for code in self.ordered:
            if not fired[code].any():
                continue
            item = RULES[code].item
            value = pl.col(item) if item in COLUMNS else pl.lit(None, dtype=pl.String)
            # Filter after selecting: only the columns an issue keeps are copied.
            self.issue_parts.append(
                fired.select(
                    pl.col(RECORD_NUMBER).alias("record"),
                    pl.lit(code, dtype=RULE_ENUM).alias("rule"),
                    value.alias("value"),
                ).filter(fired[code])
            )

    def add(self, batch: pl.DataFrame) -> pl.DataFrame:
        """Validate one batch of records as read; return it normalised."""
        records = normalise(batch)
        fired, keys = pl.collect_all([self.fired(records.lazy()), self.keys(records.lazy())])
        self.take(fired, keys, records.height)
        return records

    def duplicate_issues(self) -> pl.DataFrame:
        if not self.key_parts:
            return empty_issues()
        keys = pl.concat(self.key_parts)
        self.key_parts = []
        # Keep only the rows whose key hash repeats (usually a handful). Sorting 64-bit
        # hashes and comparing neighbours is several times faster than is_duplicated on the
        # two strings. Equal keys have equal hashes; the exact window below discards any
        # hash collision.
        keys = keys.with_columns(pl.struct("site_code", "accession_number").hash().alias("_hash"))
        hashes = keys["_hash"].sort()
        repeated = hashes.filter(hashes == hashes.shift(1))
        # rechunk: Polars 2.1 can panic in pl.format over columns chunked differently.
        keys = keys.filter(pl.col("_hash").is_in(repeated.implode())).rechunk()
        first = pl.col(RECORD_NUMBER).min().over("site_code", "accession_number")
        repeats = keys.with_columns(first.alias("_first")).filter(
            pl.col(RECORD_NUMBER) != pl.col("_first")
        )
        return repeats.select(
            pl.col(RECORD_NUMBER).alias("record"),
            pl.lit("DIDS071", dtype=RULE_ENUM).alias("rule"),
            pl.format(
                "{} at site {} (first on record {})",
                "accession_number",
                "site_code",
                "_first",
            ).alias("value"),
        )

    def issues(self) -> pl.DataFrame:
        parts = [*self.issue_parts, self.duplicate_issues()]
        issues = pl.concat(parts) if parts else empty_issues()
        issues = issues.cast(ISSUE_SCHEMA).with_columns(quoted(pl.col("value")))
        return issues.sort(["record", "rule"], maintain_order=True)


def validate_frames(
    batches,
    *,
    received: date,
    reference: Reference | None = None,
    codes: pl.DataFrame | None = None,
    policy: Policy = DEFAULT_POLICY,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Validate in-memory record frames (record_number + 18 string columns).

    Returns (issues, records). For callers that already hold records, such as tests.
    """
    validator = _Validator(received=received, reference=reference, codes=codes, policy=policy)
    records = [validator.add(batch) for batch in batches]
    return validator.issues(), pl.concat(records) if records else pl.DataFrame()


def _guess_format(path: Path) -> str:
    return "xml" if path.suffix.lower() == ".xml" else "csv"


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


def _whole_file_plans(
    raw: pl.LazyFrame, validator: _Validator, spool: Path | None, found: Path
) -> list[pl.LazyFrame]:
    """[records on which a rule fires, sunk to `found`; DIDS071 keys; byte tally; and the
    normalised records sunk to the spool when kept].

    The byte count rides along with each record, so the scan is not forked before the
    rules (forking there costs a third more time). Without records to keep, the rules
    screen every record mostly untrimmed (checks.screen): the records sunk to `found` are
    then candidates, to be normalised and checked again. Kept records are normalised
    anyway, so they are checked once. Either way they go to disk, not memory: in a file
    where every record fires (a site missing from the reference data, say) they are the
    whole file.
    """
    counted = PlainCsv.with_row_bytes(raw)
    if spool is None:
        screened = screen(counted)
        found_plan = validator.candidates(screened)
        plans = [validator.keys(screened), PlainCsv.tally(screened)]
    else:
        records = normalise(counted)
        found_plan = validator.fired(records)
        kept = records.select(RECORD_NUMBER, *COLUMNS).sink_parquet(
            spool / WHOLE_FILE_PART, compression="lz4", lazy=True
        )
        plans = [validator.keys(records), PlainCsv.tally(records), kept]
    return [found_plan.sink_parquet(found, compression="lz4", lazy=True), *plans]


def _validate_whole(
    plain: PlainCsv,
    validator: _Validator,
    spool: Path | None,
    progress: Callable[[int], None] | None,
) -> bool:
    """Validate a plain CSV file in one pass (see did.read.plain): the compiled screen's
    when it can, else a Polars streaming scan. False, having kept nothing, when the file
    turns out not to be plain: the caller reads it again with the general reader, which
    says what is wrong and where."""
    if spool is None and validator.screenable:
        screened = compiled.screen(plain, received=validator.received, policy=validator.policy)
        if screened is not None:
            _check_flagged(screened, validator)
            if progress is not None:
                progress(screened.records)
            return True
    raw, report_progress = _noting_progress(plain.records(), progress)
    with scratch.directory(scratch.FIRED) as work:
        found_path = Path(work) / "found.parquet"
        plans = _whole_file_plans(raw, validator, spool, found_path)
        try:
            _, keys, tally, *_ = _collect(plans, report_progress)
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
    validator.take_keys(keys, rows)
    if progress is not None:
        progress(rows)
    return True


def _check_flagged(screened: compiled.Screened, validator: _Validator) -> None:
    """Check the records the compiled screen flagged: the rules say what fires, and the
    DIDS071 keys of every record sharing one are among them."""
    for flagged in screened.flagged(FIRED_SLICE):
        records = normalise(flagged).lazy()
        fired, keys = pl.collect_all([validator.fired(records), validator.keys(records)])
        validator.take(fired, keys, 0)
    validator.record_count += screened.records


def _slices(path: Path) -> Iterator[pl.DataFrame]:
    """The rows of a Parquet file, FIRED_SLICE at a time."""
    scan = pl.scan_parquet(path)
    total = scan.select(pl.len()).collect().item()
    for offset in range(0, total, FIRED_SLICE):
        yield scan.slice(offset, FIRED_SLICE).collect()


def validate_file(
    path: Path | str,
    *,
    received: date,
    reference: Reference | None = None,
    codes: pl.DataFrame | None = None,
    policy: Policy = DEFAULT_POLICY,
    progress: Callable[[int], None] | None = None,
    keep_records: bool = True,
) -> Report:
    """Validate a CSV, XML or zipped file; never raises for bad content (only for a path
    that is not a readable file: FileNotFoundError / PermissionError)."""
    path = Path(path)

    def validator() -> _Validator:
        return _Validator(received=received, reference=reference, codes=codes, policy=policy)

    spool = scratch.directory(scratch.RECORDS) if keep_records else None
    spool_dir = Path(spool.name) if spool is not None else None
    skipped = not_checked(reference, codes)
    file_format = _guess_format(path)
    try:
        with open_records(path) as source:
            file_format = source.format
            plain = plain_csv(source.path) if source.format == "csv" else None
            checked = validator()
            if plain is None or not _validate_whole(plain, checked, spool_dir, progress):
                checked = validator()
                for number, batch in enumerate(source.batches()):
                    records = checked.add(batch)
                    if spool_dir is not None:
                        part = spool_dir / f"part-{number:06d}.parquet"
                        records.write_parquet(part, compression="lz4")
                    if progress is not None:
                        progress(checked.record_count)
    except FileRejected as rejected:
        if spool is not None:
            spool.cleanup()
        return Report(
            format=file_format,
            record_count=0,
            issues=empty_issues(),
            file_errors=[FileError(rejected.rule, rejected.message)],
            not_checked=skipped,
            policy=policy.name,
        )
    return Report(
        format=file_format,
        record_count=checked.record_count,
        issues=checked.issues(),
        not_checked=skipped,
        policy=policy.name,
        _records_dir=spool,
    )
