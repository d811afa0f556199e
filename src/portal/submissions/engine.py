"""The one place the portal calls the DID engine: validate a file, derive the records.

`run()` validates with did.validate.validate_file against the portal's reference data,
adds the portal's reporting-period rule, derives the accepted records with did.derive,
and returns an EngineOutcome of plain values and Polars frames.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import polars as pl
from django.conf import settings

from did.derive import derive
from did.validate import validate_file
from portal.submissions import reference_data

# The portal's own rule: the chosen reporting period is the month of every test date.
PERIOD_RULE = "PERIOD"
PERIOD_MESSAGE = "The test date is not in the reporting period chosen for this file"
ISSUE_COLUMNS = ("record_number", "rule", "severity", "item", "value", "message")


@dataclass
class EngineOutcome:
    accepted: bool
    record_count: int
    error_count: int
    warning_count: int
    # [{"rule": "DIDS001", "severity": "error", "count": 3, "message": "..."}]
    rule_counts: list[dict] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)
    # record_number, rule, severity, item, value, message
    issues: pl.DataFrame | None = None
    # Accepted only: the 18 items + the derived columns of did.spec.derived.
    records: pl.DataFrame | None = None


def _issues_table(report) -> pl.DataFrame:
    table = report.issue_table().rename({"record": "record_number"})
    if report.file_errors:
        file_level = pl.DataFrame(
            {
                "record_number": [None] * len(report.file_errors),
                "rule": [e.rule for e in report.file_errors],
                "severity": ["error"] * len(report.file_errors),
                "item": [None] * len(report.file_errors),
                "value": [None] * len(report.file_errors),
                "message": [e.message for e in report.file_errors],
            },
            schema=table.schema,
        )
        table = pl.concat([file_level, table])
    return table.select(ISSUE_COLUMNS)


def _period_issues(records: pl.LazyFrame, period: str, severity: str) -> pl.DataFrame:
    test_day = pl.col("test_date").str.to_date("%Y-%m-%d", strict=False)
    return (
        records.filter(test_day.is_not_null() & (test_day.dt.strftime("%Y-%m") != period))
        .select(
            pl.col("record_number").cast(pl.Int64),
            pl.lit(PERIOD_RULE).alias("rule"),
            pl.lit(severity).alias("severity"),
            pl.lit("test_date").alias("item"),
            pl.col("test_date").alias("value"),
            pl.lit(f"{PERIOD_MESSAGE} ({period})").alias("message"),
        )
        .collect()
    )


def _rule_counts(issues: pl.DataFrame) -> list[dict]:
    if issues.height == 0:
        return []
    grouped = (
        issues.group_by("rule", "severity", maintain_order=True)
        .agg(pl.len().alias("count"), pl.col("message").first())
        .sort(["severity", "rule"])
    )
    return [
        {"rule": r["rule"], "severity": r["severity"], "count": r["count"], "message": r["message"]}
        for r in grouped.iter_rows(named=True)
    ]


def run(
    path: Path,
    *,
    received: date,
    period: str,
    progress: Callable[[int], None] | None = None,
) -> EngineOutcome:
    codes = reference_data.imaging_codes()
    report = validate_file(
        path,
        received=received,
        reference=reference_data.reference(),
        codes=codes,
        progress=progress,
    )
    try:
        issues = _issues_table(report)
        records = report.scan_records() if not report.file_errors else None
        if records is not None:
            severity = "warning" if settings.SUBMISSIONS_ALLOW_OTHER_MONTHS else "error"
            extra = _period_issues(records, period, severity)
            if extra.height:
                issues = pl.concat([issues, extra.cast(issues.schema)]).sort(
                    "record_number", nulls_last=False, maintain_order=True
                )
        errors = issues.filter(pl.col("severity") == "error").height
        warnings = issues.filter(pl.col("severity") == "warning").height
        accepted = errors == 0
        derived = _derive(records.collect(), codes) if accepted and records is not None else None
        return EngineOutcome(
            accepted=accepted,
            record_count=report.record_count,
            error_count=errors,
            warning_count=warnings,
            rule_counts=_rule_counts(issues),
            file_errors=[e.message for e in report.file_errors],
            issues=issues,
            records=derived,
        )
    finally:
        report.close()


def _derive(records: pl.DataFrame, codes) -> pl.DataFrame:
    return derive(records, reference=reference_data.reference(), codes=codes)
