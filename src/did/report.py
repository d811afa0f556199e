"""The validation report: status, counts, issues (as a Polars frame) and the records.

Issues are kept column-wise (record, rule, value; severity, item and message come from the
rule table), so millions of them stay small. JSON output carries every error up to
JSON_ERROR_CAP and the first JSON_WARNING_CAP warnings (the national portal showed 200);
`write_issues_csv` writes all of them.
"""

import csv
import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from did.read.frame import RECORD_NUMBER
from did.spec.rules import RULES, Severity

JSON_ERROR_CAP = 100_000
JSON_WARNING_CAP = 200
# An issue quotes at most this much of the value (a runaway field can be megabytes).
VALUE_CHARS = 100

RULE_ENUM = pl.Enum(list(RULES))
ISSUE_SCHEMA: dict[str, pl.DataType] = {
    "record": pl.Int64(),
    "rule": RULE_ENUM,
    "value": pl.String(),
}
_RULE_TABLE = pl.DataFrame(
    {
        "rule": pl.Series(list(RULES), dtype=RULE_ENUM),
        "severity": [r.severity.value for r in RULES.values()],
        "item": [r.item for r in RULES.values()],
        "message": [r.message for r in RULES.values()],
    }
)


def quoted(value: pl.Expr) -> pl.Expr:
    """The value as an issue quotes it: whole, or its first VALUE_CHARS and its length."""
    length = value.str.len_chars()
    cut = pl.concat_str(
        value.str.slice(0, VALUE_CHARS),
        pl.lit("… ("),
        length.cast(pl.String),
        pl.lit(" characters)"),
    )
    return pl.when(length > VALUE_CHARS).then(cut).otherwise(value)


@dataclass(frozen=True)
class FileError:
    rule: str
    message: str


@dataclass
class Report:
    format: str
    record_count: int
    issues: pl.DataFrame  # record, rule, value - sorted by record then rule order
    file_errors: list[FileError] = field(default_factory=list)
    not_checked: list[str] = field(default_factory=list)
    policy: str = "portal"
    _records_dir: tempfile.TemporaryDirectory | None = field(default=None, repr=False)

    # --- counts -------------------------------------------------------------------------
    @property
    def rule_counts(self) -> dict[str, int]:
        counts = {e.rule: 0 for e in self.file_errors}
        for e in self.file_errors:
            counts[e.rule] += 1
        if self.issues.height:
            grouped = self.issues.group_by("rule").len().sort("rule")
            for rule, count in grouped.iter_rows():
                counts[rule] = count
        return counts

    def _severity_count(self, severity: Severity) -> int:
        codes = [c for c, r in RULES.items() if r.severity is severity]
        return self.issues.filter(pl.col("rule").is_in(codes)).height

    @property
    def errors(self) -> int:
        return len(self.file_errors) + self._severity_count(Severity.ERROR)

    @property
    def warnings(self) -> int:
        return self._severity_count(Severity.WARNING)

    @property
    def status(self) -> str:
        return "rejected" if self.errors else "accepted"

    @property
    def accepted(self) -> bool:
        return self.status == "accepted"

    # --- issues -------------------------------------------------------------------------
    def issue_table(self) -> pl.DataFrame:
        """Every issue with record, rule, severity, item, value and message."""
        return self.issues.join(_RULE_TABLE, on="rule", how="left", maintain_order="left").select(
            "record", pl.col("rule").cast(pl.String), "severity", "item", "value", "message"
        )

    def shown_issues(
        self, max_errors: int = JSON_ERROR_CAP, max_warnings: int = JSON_WARNING_CAP
    ) -> pl.DataFrame:
        table = self.issue_table().with_row_index("_order")
        errors = table.filter(pl.col("severity") == "error").head(max_errors)
        warnings = table.filter(pl.col("severity") == "warning").head(max_warnings)
        return pl.concat([errors, warnings]).sort("_order").drop("_order")

    def write_issues_csv(self, path: Path | str) -> None:
        """All issues (file-level ones first, with an empty record number) as CSV."""
        with Path(path).open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["record", "rule", "severity", "item", "value", "message"])
            for error in self.file_errors:
                writer.writerow(["", error.rule, "error", "", "", error.message])
        table = self.issue_table().with_columns(pl.col("value").fill_null(""))
        if table.height:
            with Path(path).open("a", newline="", encoding="utf-8") as handle:
                table.write_csv(handle, include_header=False)

    # --- output -------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "format": self.format,
            "records": self.record_count,
            "errors": self.errors,
            "warnings": self.warnings,
            "rule_counts": self.rule_counts,
            "file_errors": [{"rule": e.rule, "message": e.message} for e in self.file_errors],
            "issues": [
                {
                    "record": row["record"],
                    "rule": row["rule"],
                    "severity": row["severity"],
                    "item": row["item"],
                    "value": row["value"] if row["value"] is not None else "",
                    "message": row["message"],
                }
                for row in self.shown_issues().iter_rows(named=True)
            ],
            "not_checked": list(self.not_checked),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict())

    # --- records ------------------------------------------------------------------------
    def scan_records(self) -> pl.LazyFrame:
        """The validated records (record_number + 18 item columns) without loading them."""
        if self._records_dir is None:
            raise LookupError("records were not kept: call validate_file(keep_records=True)")
        files = sorted(Path(self._records_dir.name).glob("*.parquet"))
        if not files:
            from did.read.frame import empty_frame

            return empty_frame().lazy()
        return pl.scan_parquet(files)

    @property
    def records(self) -> pl.DataFrame:
        """The validated records as one frame: strings trimmed, blanks null, NHS number
        without spaces or hyphens, plus record_number. Empty when the file was rejected
        before any record was read."""
        return self.scan_records().collect()

    def close(self) -> None:
        """Delete the spooled records now rather than when the report is garbage collected."""
        if self._records_dir is not None:
            self._records_dir.cleanup()
            self._records_dir = None


def empty_issues() -> pl.DataFrame:
    return pl.DataFrame(schema=ISSUE_SCHEMA)


__all__ = ["FileError", "Report", "RECORD_NUMBER", "empty_issues"]
