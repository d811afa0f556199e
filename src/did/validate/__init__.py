"""The validator: every rule, column-wise, batch by batch.

    from did.validate import validate_file
    report = validate_file(path, received=date.today(), reference=ref, codes=codes)
    report.status, report.to_dict(), report.records

Record rules run as Polars expressions over each batch from the reader; the whole-file
rule DIDS071 (site code + accession number unique) runs once over a two-column key frame
gathered from every batch. Validated records are spooled to Parquet in a private temporary
directory (when keep_records is True) so a 10-million-record file never sits in memory.
"""

import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

import polars as pl

from did.read import FileRejected, open_records
from did.read.frame import RECORD_NUMBER
from did.reference import Reference
from did.report import ISSUE_SCHEMA, RULE_ENUM, FileError, Report, empty_issues
from did.spec.items import COLUMNS
from did.spec.policy import DEFAULT_POLICY, Policy
from did.spec.rules import RECORD_RULES, RULES
from did.validate.checks import normalise, prepare, record_masks
from did.validate.identifiers import invalid_snomed_ids
from did.validate.reference_checks import not_checked, reference_helpers, reference_masks

__all__ = ["DEFAULT_POLICY", "validate_file", "validate_frames"]

_RULE_ORDER = [rule.code for rule in RECORD_RULES]


class _Validator:
    def __init__(
        self,
        *,
        received: date,
        reference: Reference | None,
        codes: pl.DataFrame | None,
        policy: Policy,
    ) -> None:
        masks = record_masks(received, policy)
        masks.update(reference_masks(reference, codes))
        self.masks = {code: masks[code] for code in _RULE_ORDER if code in masks}
        self.helpers = reference_helpers(reference, codes)
        self.issue_parts: list[pl.DataFrame] = []
        self.key_parts: list[pl.DataFrame] = []
        self.record_count = 0
        self.bad_snomed: dict[str, bool] = {}

    def _snomed_mask(self, records: pl.DataFrame) -> pl.Expr:
        distinct = records["snomed_code"].drop_nulls().unique()
        fresh = distinct.filter(~distinct.is_in(list(self.bad_snomed)))
        if fresh.len():
            invalid = set(invalid_snomed_ids(fresh).to_list())
            self.bad_snomed.update({v: v in invalid for v in fresh.to_list()})
        bad = [v for v, is_bad in self.bad_snomed.items() if is_bad]
        return pl.col("snomed_code").is_in(bad)

    def add(self, batch: pl.DataFrame) -> pl.DataFrame:
        records = normalise(batch)
        masks = dict(self.masks)
        bad_snomed = self._snomed_mask(records)
        masks["DIDP114"] = bad_snomed
        if "DIDS059" in masks:
            masks["DIDS059"] = masks["DIDS059"] & ~bad_snomed
        ordered = [code for code in _RULE_ORDER if code in masks]
        fired = (
            prepare(records.lazy())
            .with_columns(self.helpers)
            .select(masks[code].fill_null(False).alias(code) for code in ordered)
            .collect()
        )
        counts = fired.sum().row(0, named=True)
        for code in ordered:
            if not counts[code]:
                continue
            item = RULES[code].item
            value = pl.col(item) if item in COLUMNS else pl.lit(None, dtype=pl.String)
            # Filter after selecting: only the two columns an issue keeps are copied.
            self.issue_parts.append(
                records.select(
                    pl.col(RECORD_NUMBER).alias("record"),
                    pl.lit(code, dtype=RULE_ENUM).alias("rule"),
                    value.alias("value"),
                ).filter(fired[code])
            )
        self.key_parts.append(
            records.select(
                RECORD_NUMBER, pl.col("site_code").str.to_uppercase(), "accession_number"
            ).drop_nulls()
        )
        self.record_count += records.height
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
        return issues.cast(ISSUE_SCHEMA).sort(["record", "rule"], maintain_order=True)


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
    validator = _Validator(received=received, reference=reference, codes=codes, policy=policy)
    spool = tempfile.TemporaryDirectory(prefix="did-records-") if keep_records else None
    skipped = not_checked(reference, codes)
    file_format = _guess_format(path)
    try:
        with open_records(path) as source:
            file_format = source.format
            for number, batch in enumerate(source.batches()):
                records = validator.add(batch)
                if spool is not None:
                    records.write_parquet(
                        Path(spool.name) / f"part-{number:06d}.parquet", compression="lz4"
                    )
                if progress is not None:
                    progress(validator.record_count)
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
        record_count=validator.record_count,
        issues=validator.issues(),
        not_checked=skipped,
        policy=policy.name,
        _records_dir=spool,
    )
