"""The validation report: status, counts, issues (as a Polars frame) and the records.

Issues are kept column-wise (record, rule, value, and the record's site code and accession
number; severity, item and message come from the rule table), so millions of them stay
small. The report owns every count the portal and `did validate` show. JSON output carries
every error up to JSON_ERROR_CAP and the first JSON_WARNING_CAP warnings (the national
portal showed 200); `write_issues_csv` writes all of them.

What an error rejects follows the rejection (did.spec.policy.Rejection): under `file` any
error rejects the file (the national DID portal); under `record` it rejects its record and
the file is accepted with the others, unless none is left (the national pipeline).
"""

import csv
import json
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import polars as pl

from did.read.frame import RECORD_NUMBER, empty_frame
from did.spec.items import BY_NAME
from did.spec.policy import Rejection
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
    "site_code": pl.String(),
    "accession_number": pl.String(),
}
_RULE_TABLE = pl.DataFrame(
    {
        "rule": pl.Series(list(RULES), dtype=RULE_ENUM),
        "severity": [r.severity.value for r in RULES.values()],
        "item": [r.item for r in RULES.values()],
        "message": [r.message for r in RULES.values()],
    }
)
_ERROR_RULES = [code for code, rule in RULES.items() if rule.severity is Severity.ERROR]
# The columns of the issue table (issue_table) and of the stored issues (stored_issues).
ISSUE_COLUMNS = (
    "record",
    "rule",
    "severity",
    "item",
    "value",
    "message",
    "site_code",
    "accession_number",
)
STORED_ISSUE_COLUMNS = ("record_number", *ISSUE_COLUMNS[1:])


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
    issues: pl.DataFrame  # ISSUE_SCHEMA, sorted by record then rule order
    file_errors: list[FileError] = field(default_factory=list)
    not_checked: list[str] = field(default_factory=list)
    policy: str = "portal"
    rejection: Rejection = Rejection.FILE
    notices: list[str] = field(default_factory=list)  # how the file was read, when unusual
    _records_dir: tempfile.TemporaryDirectory | None = field(default=None, repr=False)

    # --- counts -------------------------------------------------------------------------
    @cached_property
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
        return sum(
            count
            for rule, count in self.rule_counts.items()
            if RULES[rule].severity is severity and not RULES[rule].file_level
        )

    @property
    def errors(self) -> int:
        return len(self.file_errors) + self._severity_count(Severity.ERROR)

    @property
    def warnings(self) -> int:
        return self._severity_count(Severity.WARNING)

    @cached_property
    def records_with_errors(self) -> pl.Series:
        """The numbers of the records with at least one error (sorted, distinct)."""
        errors = self.issues.filter(pl.col("rule").is_in(_ERROR_RULES))
        return errors["record"].unique().sort()

    @property
    def records_without_errors(self) -> int:
        """Records no error rejects: what the national pipeline would accept."""
        if self.file_errors:
            return 0
        return self.record_count - self.records_with_errors.len()

    @property
    def status(self) -> str:
        if self.file_errors:
            return "rejected"
        if self.rejection is Rejection.RECORD:
            return "accepted" if self.records_without_errors else "rejected"
        return "rejected" if self.errors else "accepted"

    @property
    def accepted(self) -> bool:
        return self.status == "accepted"

    @property
    def records_accepted(self) -> int:
        """Records kept: every record of an accepted file, less any rejected record."""
        return self.records_without_errors if self.accepted else 0

    @property
    def records_rejected(self) -> int:
        return self.record_count - self.records_accepted

    def rule_summary(self) -> list[dict[str, Any]]:
        """One row a rule that fired, errors first: rule, severity, item, count, message."""
        rows = [
            {
                "rule": rule,
                "severity": RULES[rule].severity.value,
                "item": RULES[rule].item,
                "count": count,
                "message": RULES[rule].message,
            }
            for rule, count in self.rule_counts.items()
        ]
        return sorted(rows, key=lambda r: (r["severity"] != "error", list(RULES).index(r["rule"])))

    # --- issues -------------------------------------------------------------------------
    def issue_table(self) -> pl.DataFrame:
        """Every record issue with record, rule, severity, item, value, message and the
        record's site code and accession number."""
        joined = self.issues.join(_RULE_TABLE, on="rule", how="left", maintain_order="left")
        return joined.with_columns(pl.col("rule").cast(pl.String)).select(ISSUE_COLUMNS)

    def stored_issues(self) -> pl.DataFrame:
        """The issues as the portal stores them: file errors first (no record number), then
        the issue table, with record_number for record."""
        table = self.issue_table().rename({"record": "record_number"})
        if not self.file_errors:
            return table
        count = len(self.file_errors)
        file_level = pl.DataFrame(
            {
                "record_number": [None] * count,
                "rule": [e.rule for e in self.file_errors],
                "severity": ["error"] * count,
                "item": [None] * count,
                "value": [None] * count,
                "message": [e.message for e in self.file_errors],
                "site_code": [None] * count,
                "accession_number": [None] * count,
            },
            schema=table.schema,
        )
        return pl.concat([file_level, table])

    def shown_issues(
        self, max_errors: int = JSON_ERROR_CAP, max_warnings: int = JSON_WARNING_CAP
    ) -> pl.DataFrame:
        table = self.issue_table().with_row_index("_order")
        errors = table.filter(pl.col("severity") == "error").head(max_errors)
        warnings = table.filter(pl.col("severity") == "warning").head(max_warnings)
        return pl.concat([errors, warnings]).sort("_order").drop("_order")

    def write_issues_csv(self, path: Path | str) -> None:
        """All issues (file-level ones first, with an empty record number) as CSV, items
        named as the data set names them."""
        table = self.stored_issues().with_columns(
            pl.col("item").replace_strict(
                list(BY_NAME), [i.title for i in BY_NAME.values()], default=pl.col("item")
            )
        )
        with Path(path).open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(ISSUE_COLUMNS)
        if table.height:
            with Path(path).open("a", newline="", encoding="utf-8") as handle:
                table.with_columns(pl.all().cast(pl.String).fill_null("")).write_csv(
                    handle, include_header=False
                )

    # --- output -------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "format": self.format,
            "records": self.record_count,
            "records_accepted": self.records_accepted,
            "records_rejected": self.records_rejected,
            "records_without_errors": self.records_without_errors,
            "rejection": self.rejection.value,
            "errors": self.errors,
            "warnings": self.warnings,
            "rule_counts": self.rule_counts,
            "file_errors": [{"rule": e.rule, "message": e.message} for e in self.file_errors],
            "notices": list(self.notices),
            "issues": self._shown_issue_dicts(),
            "not_checked": list(self.not_checked),
        }

    def _shown_issue_dicts(self) -> list[dict[str, Any]]:
        """shown_issues as JSON objects, absent texts as "" (an item may be None)."""
        shown = self.shown_issues().with_columns(
            pl.col("value", "site_code", "accession_number").fill_null("")
        )
        # Column by column, then zipped into dict displays: a sixth of the time of
        # iter_rows(named=True) for the thousands of issues a large file can show.
        return [
            {
                "record": record,
                "rule": rule,
                "severity": severity,
                "item": item,
                "value": value,
                "message": message,
                "site_code": site_code,
                "accession_number": accession_number,
            }
            for record, rule, severity, item, value, message, site_code, accession_number in zip(
                *(shown[name].to_list() for name in ISSUE_COLUMNS), strict=True
            )
        ]

    def to_json(self) -> str:
        # The report holds no cycles; not checking for them saves a quarter of the time.
        return json.dumps(self.to_dict(), check_circular=False)

    # --- records ------------------------------------------------------------------------
    def scan_records(self) -> pl.LazyFrame:
        """The validated records (record_number + 18 item columns) without loading them."""
        if self._records_dir is None:
            raise LookupError("records were not kept: call validate_file(keep_records=True)")
        files = sorted(Path(self._records_dir.name).glob("*.parquet"))
        if not files:
            return empty_frame().lazy()
        return pl.scan_parquet(files)

    def scan_accepted_records(self) -> pl.LazyFrame:
        """The records the report accepts: none for a rejected file; under the record
        rejection, those without an error."""
        if not self.accepted:
            return empty_frame().lazy()
        records = self.scan_records()
        rejected = self.records_with_errors
        if rejected.len():
            records = records.filter(~pl.col(RECORD_NUMBER).is_in(rejected.implode()))
        return records

    def accepted_record_batches(self, size: int) -> Iterator[pl.DataFrame]:
        """The records of scan_accepted_records, read `size` records at a time (fewer
        where rejected records are left out): memory bounded by `size`, not the file."""
        if not self.accepted:
            return
        records = self.scan_records()
        total = records.select(pl.len()).collect().item()
        rejected = self.records_with_errors.implode()
        for offset in range(0, total, size):
            batch = records.slice(offset, size).collect()
            yield batch.filter(~pl.col(RECORD_NUMBER).is_in(rejected))

    @property
    def records(self) -> pl.DataFrame:
        """The validated records as one frame: strings trimmed, blanks null, NHS number
        without white space or hyphens, plus record_number. Empty when the file was
        rejected before any record was read."""
        return self.scan_records().collect()

    def close(self) -> None:
        """Delete the spooled records now rather than when the report is garbage collected."""
        if self._records_dir is not None:
            self._records_dir.cleanup()
            self._records_dir = None


def empty_issues() -> pl.DataFrame:
    return pl.DataFrame(schema=ISSUE_SCHEMA)


__all__ = ["FileError", "Report", "RECORD_NUMBER", "empty_issues"]
