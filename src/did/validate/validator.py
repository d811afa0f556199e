"""The rules of one validation, and the issues and keys it gathers as records go by.

`Context` is what a file is checked against beyond itself: the receipt date, the policy,
the reference data and, for a submission, the reporting period and the providers the
submitter may send records for. `Validator` turns it into one boolean expression a rule
(checks.py, reference_checks.py), applies them to record frames (lazy or not) and keeps
what fires. Two rules are decided after the records, from what each record leaves in a
spill on disk as it goes by (`spill`): DIDS071, which needs every record's key, and
DIDP114, whose check digit is tested in Python once for each distinct SNOMED CT code
(`after_records`, `issues`).
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
        have = available(context.reference, context.codes)
        for code, gives_way_to in _FORM_RULES.items():
            if gives_way_to in have:
                masks.pop(code, None)
        # DIDP114 (a SNOMED CT code's form) is decided after the records (snomed_issues).
        self.checks_snomed_form = _FORM_RULES["DIDP114"] not in have
        self.ordered = [code for code in _RULE_ORDER if code in masks]
        self.masks = masks
        self.helpers = reference_helpers(context.reference, context.codes)
        self.issue_parts: list[pl.DataFrame] = []
        self.record_count = 0
        # What every record leaves for the rules decided after the records (spill): a
        # file a batch or pass, read back by after_records.
        self._spill = scratch.directory(scratch.KEYS)
        self._spill_files = 0
        self._after_records: Future[pl.DataFrame] | None = None

    def spill_file(self) -> Path:
        """A new file for what records leave (spill) in this validation's scratch folder."""
        self._spill_files += 1
        return Path(self._spill.name) / f"spill-{self._spill_files:06d}.parquet"

    def _work(self, records: pl.LazyFrame, *, screening: bool = False) -> pl.LazyFrame:
        """The records with the helper columns the rules read (see checks.prepare)."""
        work = prepare(records, screening_until=self.context.received if screening else None)
        for step in self.helpers:
            work = work.with_columns(step)
        return work

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
    def spill(records: pl.LazyFrame) -> pl.LazyFrame:
        """What each record leaves for the rules decided after the records: its number,
        site code, accession number and SNOMED CT code as normalised, and, when it has a
        DIDS071 key (site code and accession number), the 64-bit hash of its accession
        number.

        Only the hashes of the whole file are read back into memory (16 bytes a record
        with its number, where the strings took about 40: at 5,000,000 records, 80 MB),
        then the keys of the records whose accession number repeats, which
        duplicate_issues compares whole, and the distinct SNOMED CT codes. (Hashing the
        site code too would need it upper-cased for every record, a tenth of the pass.)
        A record with neither a key nor a SNOMED CT code leaves nothing."""
        site, accession = pl.col("site_code"), pl.col("accession_number")
        has_key = site.is_not_null() & accession.is_not_null()
        return records.select(
            RECORD_NUMBER,
            "site_code",
            "accession_number",
            "snomed_code",
            pl.when(has_key).then(accession.hash()).alias("_hash"),
        ).filter(has_key | pl.col("snomed_code").is_not_null())

    def count(self, record_count: int) -> None:
        """Count `record_count` more records (what they leave is in the spill)."""
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
        fired, spill = pl.collect_all([self.fired(records.lazy()), self.spill(records.lazy())])
        spill.write_parquet(self.spill_file(), compression="lz4")
        self.take_issues(fired)
        self.count(records.height)
        return records

    def _spilled(self) -> pl.LazyFrame:
        return pl.scan_parquet(Path(self._spill.name) / "*.parquet")

    def duplicate_issues(self) -> pl.DataFrame:
        """DIDS071 over the whole file. Only records whose accession number's hash
        repeats (usually a handful) can repeat a key; their exact keys are read back from
        the spill and compared, so neither the same accession number at another site nor
        a hash collision is ever taken for a repeat."""
        if not self._spill_files:
            return empty_issues()
        spilled = self._spilled()
        keys = spilled.select(RECORD_NUMBER, "_hash").drop_nulls().collect()
        # Sorting 64-bit hashes and comparing neighbours is several times faster than
        # is_duplicated on the two strings.
        hashes = keys["_hash"].sort()
        repeated = hashes.filter(hashes == hashes.shift(1))
        if repeated.is_empty():
            return empty_issues()
        candidates = keys.filter(pl.col("_hash").is_in(repeated.implode()))[RECORD_NUMBER]
        exact = spilled.filter(pl.col(RECORD_NUMBER).is_in(candidates.implode())).select(
            RECORD_NUMBER, pl.col("site_code").str.to_uppercase(), "accession_number"
        )
        # rechunk: Polars 2.1 can panic in pl.format over columns chunked differently.
        exact = exact.collect().sort(RECORD_NUMBER).rechunk()
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

    def snomed_issues(self) -> pl.DataFrame:
        """DIDP114 over the whole file: each distinct SNOMED CT code in the spill is tested
        once (invalid_snomed_ids: the check digit is Python), then the records holding a
        code that fails are read back. (Tested in the stream, it was a Python call every
        few thousand records.)"""
        if not (self.checks_snomed_form and self._spill_files):
            return empty_issues()
        spilled = self._spilled()
        codes = spilled.select(pl.col("snomed_code").drop_nulls().unique()).collect()
        invalid = invalid_snomed_ids(codes.to_series())
        if invalid.is_empty():
            return empty_issues()
        return (
            spilled.filter(pl.col("snomed_code").is_in(invalid.implode()))
            .select(
                pl.col(RECORD_NUMBER).alias("record"),
                pl.lit("DIDP114", dtype=RULE_ENUM).alias("rule"),
                pl.col("snomed_code").alias("value"),
                *ISSUE_KEYS,
            )
            .collect()
        )

    def after_records(self) -> None:
        """Every record has left its part in the spill: decide the rules that need all of
        them (DIDS071, DIDP114) on another thread, while the caller takes the other
        issues; issues() waits for it. (Polars lets go of the interpreter as it reads.)"""
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="did-after")
        self._after_records = pool.submit(self._decided_after_records)
        pool.shutdown(wait=False)  # the thread ends when its one task is done

    def _decided_after_records(self) -> pl.DataFrame:
        return pl.concat([self.duplicate_issues(), self.snomed_issues()])

    def issues(self) -> pl.DataFrame:
        try:
            pending = self._after_records
            after = pending.result() if pending else self._decided_after_records()
            parts = [*self.issue_parts, after]
        finally:
            self._spill.cleanup()
        issues = pl.concat(parts) if parts else empty_issues()
        issues = issues.cast(ISSUE_SCHEMA).with_columns(
            quoted(pl.col(column)).alias(column) for column in ("value", *ISSUE_KEYS)
        )
        return issues.sort(["record", "rule"], maintain_order=True)
