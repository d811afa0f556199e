"""The rules of one validation, and the issues and keys it gathers as records go by.

`Context` is what a file is checked against beyond itself: the receipt date, the policy,
the reference data and, for a submission, the reporting period and the providers the
submitter may send records for. `Validator` turns it into one boolean expression a rule
(checks.py, reference_checks.py), applies them to record frames (lazy or not) and keeps
what fires; `issues()` then adds DIDS071, which needs every record's key.
"""

from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from did import scratch
from did.read.frame import RECORD_NUMBER
from did.reference import Reference
from did.report import ISSUE_SCHEMA, RULE_ENUM, empty_issues, quoted
from did.spec.items import COLUMNS
from did.spec.policy import DEFAULT_POLICY, Policy, Rejection
from did.spec.rules import RECORD_RULES, RULES, Needs
from did.validate.checks import normalise, period_masks, prepare, record_masks
from did.validate.identifiers import invalid_snomed_ids
from did.validate.reference_checks import available, reference_helpers, reference_masks

_RULE_ORDER = [rule.code for rule in RECORD_RULES]
# Rules of a code's form, reported only where the reference rule that would find the same
# code unknown cannot run (did.spec.rules): what each one gives way to.
_FORM_RULES = {
    "DIDP111": Needs.ORGANISATIONS,
    "DIDP112": Needs.ORGANISATIONS,
    "DIDP113": Needs.CODES,
    "DIDP114": Needs.CODES,
}
# The columns an issue carries besides its record, rule and value, so that staff can find
# the record in their radiology system (never a patient identifier).
ISSUE_KEYS = ("site_code", "accession_number")


@dataclass(frozen=True)
class Context:
    received: date
    reference: Reference | None = None
    codes: pl.DataFrame | None = None
    policy: Policy = DEFAULT_POLICY
    period: str | None = None  # "YYYY-MM": the reporting period the file was sent for
    other_months_allowed: bool = False  # a test in another month warns (DIDP116), not errs
    providers: frozenset[str] | None = None  # ODS codes the submitter may send records for
    rejection: Rejection | None = None  # what an error rejects; None: the policy's

    @property
    def rejects(self) -> Rejection:
        return self.rejection or self.policy.rejection


class Validator:
    def __init__(self, context: Context) -> None:
        self.context = context
        masks = record_masks(context.received, context.policy)
        masks.update(period_masks(context.period, context.other_months_allowed))
        masks.update(reference_masks(context.reference, context.codes, context.providers))
        masks["DIDP114"] = pl.col("_snomed_bad")
        have = available(context.reference, context.codes)
        for code, gives_way_to in _FORM_RULES.items():
            if gives_way_to in have:
                del masks[code]
        self.ordered = [code for code in _RULE_ORDER if code in masks]
        self.masks = masks
        self.helpers = reference_helpers(context.reference, context.codes)
        self.issue_parts: list[pl.DataFrame] = []
        self.record_count = 0
        # SNOMED CT values already tested (_snomed_bad), and those of them that failed.
        self._snomed_tested = pl.Series(dtype=pl.String)
        self._snomed_invalid = pl.Series(dtype=pl.String)
        # Every record's exact DIDS071 key goes to disk as it is read; only the keys of
        # records whose hash repeats are read back (duplicate_issues).
        self._key_spill = scratch.directory(scratch.KEYS)
        self._key_files = 0
        self._duplicates: Future[pl.DataFrame] | None = None

    def key_spill_file(self) -> Path:
        """A new file for exact keys (exact_keys) in this validation's spill."""
        self._key_files += 1
        return Path(self._key_spill.name) / f"keys-{self._key_files:06d}.parquet"

    def _snomed_bad(self, values: pl.Series) -> pl.Series:
        """True where the value is not a SNOMED CT concept id. The check digit is tested
        in Python on each distinct value once a validation; the records are matched
        column-wise, against Series (a Python list would be converted every batch)."""
        tested, invalid = self._snomed_tested, self._snomed_invalid
        fresh = values.filter(~values.is_in(tested.implode()))  # a null is_in is null: dropped
        if fresh.len():
            fresh = fresh.unique()
            # Batches may come from two threads at once: this call answers from its own
            # copies; a value whose result the other call's update loses is tested again.
            tested = pl.concat([tested, fresh])
            invalid = pl.concat([invalid, invalid_snomed_ids(fresh)])
            self._snomed_tested, self._snomed_invalid = tested, invalid
        return values.is_in(invalid.implode())

    def _work(self, records: pl.LazyFrame, *, screening: bool = False) -> pl.LazyFrame:
        """The records with the helper columns the rules read (see checks.prepare)."""
        work = prepare(records, screening_until=self.context.received if screening else None)
        for step in self.helpers:
            work = work.with_columns(step)
        if "DIDP114" not in self.masks:
            return work
        snomed_bad = pl.col("snomed_code").map_batches(
            self._snomed_bad, return_dtype=pl.Boolean, is_elementwise=True
        )
        return work.with_columns(snomed_bad.alias("_snomed_bad"))

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
        return self._work(screened, screening=True).filter(fires).select(RECORD_NUMBER, *COLUMNS)

    @staticmethod
    def exact_keys(records: pl.LazyFrame) -> pl.LazyFrame:
        """Each record's site code (upper case) and accession number: the DIDS071 key."""
        return records.select(
            RECORD_NUMBER, pl.col("site_code").str.to_uppercase(), "accession_number"
        ).drop_nulls()

    @classmethod
    def keys(cls, records: pl.LazyFrame) -> pl.LazyFrame:
        """Each record's DIDS071 key and its 64-bit hash, written to the key spill
        (key_spill_file) as records go by. Only the hashes are read back into memory for the
        whole file (16 bytes a record where the two strings took about 40: at 5,000,000
        records, 200 MB), and the keys of the few records whose hash repeats."""
        key = pl.struct("site_code", "accession_number").hash()
        return cls.exact_keys(records).with_columns(key.alias("_hash"))

    def count(self, record_count: int) -> None:
        """Count `record_count` more records (their keys are in the spill)."""
        self.record_count += record_count

    def take_issues(self, fired: pl.DataFrame) -> None:
        """Keep the issues of `fired` (see fired): record, rule, value and keys of each."""
        firing = fired.select(pl.col(self.ordered).any()).row(0)
        parts = [
            # Filter after selecting: only the columns an issue keeps are copied.
            fired.lazy()
            .select(
                pl.col(RECORD_NUMBER).alias("record"),
                pl.lit(code, dtype=RULE_ENUM).alias("rule"),
                self._issue_value(code).alias("value"),
                *ISSUE_KEYS,
                pl.col(code).alias("_fires"),
            )
            .filter("_fires")
            .drop("_fires")
            for code, fires in zip(self.ordered, firing, strict=True)
            if fires
        ]
        if parts:  # one collect: Polars takes the rules' issues side by side
            self.issue_parts.append(pl.concat(parts).collect())

    @staticmethod
    def _issue_value(code: str) -> pl.Expr:
        """What an issue of rule `code` quotes: the value of the rule's item, if a column."""
        item = RULES[code].item
        return pl.col(item) if item in COLUMNS else pl.lit(None, dtype=pl.String)

    def add(self, batch: pl.DataFrame) -> pl.DataFrame:
        """Validate one batch of records as read; return it normalised."""
        records = normalise(batch)
        fired, keys = pl.collect_all([self.fired(records.lazy()), self.keys(records.lazy())])
        keys.write_parquet(self.key_spill_file(), compression="lz4")
        self.take_issues(fired)
        self.count(records.height)
        return records

    def duplicate_issues(self) -> pl.DataFrame:
        """DIDS071 over the whole file. Only records whose key hash repeats (usually a
        handful) can repeat a key; their exact keys are read back from the spill and
        compared, so a hash collision is never taken for a repeat."""
        if not self._key_files:
            return empty_issues()
        spilled = pl.scan_parquet(Path(self._key_spill.name) / "*.parquet")
        keys = spilled.select(RECORD_NUMBER, "_hash").collect()
        # Sorting 64-bit hashes and comparing neighbours is several times faster than
        # is_duplicated on the two strings.
        hashes = keys["_hash"].sort()
        repeated = hashes.filter(hashes == hashes.shift(1))
        if repeated.is_empty():
            return empty_issues()
        candidates = keys.filter(pl.col("_hash").is_in(repeated.implode()))[RECORD_NUMBER]
        exact = spilled.filter(pl.col(RECORD_NUMBER).is_in(candidates.implode()))
        # rechunk: Polars 2.1 can panic in pl.format over columns chunked differently.
        exact = exact.drop("_hash").collect().sort(RECORD_NUMBER).rechunk()
        first = pl.col(RECORD_NUMBER).min().over("site_code", "accession_number")
        repeats = exact.with_columns(first.alias("_first")).filter(
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
            *ISSUE_KEYS,
        )

    def keys_complete(self) -> None:
        """Every record's key is in the spill: start DIDS071 (duplicate_issues) on another
        thread, to run while the caller takes the other issues; issues() waits for it.
        (Polars lets go of the interpreter while it reads and sorts the keys.)"""
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="did-keys")
        self._duplicates = pool.submit(self.duplicate_issues)
        pool.shutdown(wait=False)  # the thread ends when its one task is done

    def issues(self) -> pl.DataFrame:
        try:
            pending = self._duplicates
            duplicates = pending.result() if pending else self.duplicate_issues()
            parts = [*self.issue_parts, duplicates]
        finally:
            self._key_spill.cleanup()
        issues = pl.concat(parts) if parts else empty_issues()
        issues = issues.cast(ISSUE_SCHEMA).with_columns(
            quoted(pl.col(column)).alias(column) for column in ("value", *ISSUE_KEYS)
        )
        return issues.sort(["record", "rule"], maintain_order=True)
