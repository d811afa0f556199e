"""The one place the portal calls the DID engine.

`run()` runs the engine's pipeline (did.validate.validate_file with `out`) against the
portal's reference data, the submission's reporting period and the providers its
organisation may submit for, exactly as `did validate --reference --codes --period
--providers` does offline. The engine writes the issues and the accepted, derived records
as Parquet into a private work folder; the outcome holds their paths and the report's
counts (the engine's Report owns them: nothing is counted again here).
"""

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.conf import settings

from did import scratch
from did.spec.policy import Rejection
from did.validate import validate_file
from did.validate.output import ISSUES_FILE, RECORDS_FILE
from portal.submissions import reference_data


@dataclass
class EngineOutcome:
    accepted: bool
    record_count: int
    error_count: int
    warning_count: int
    # [{"rule": "DIDS001", "severity": "error", "item": ..., "count": 3, "message": "..."}]
    rule_counts: list[dict] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)
    rejection: str = Rejection.FILE.value
    records_accepted: int = 0
    records_without_errors: int = 0
    notices: list[str] = field(default_factory=list)
    # Parquet files in a private work folder: every issue (did.report.STORED_ISSUE_COLUMNS)
    # and, when accepted, the kept records with the derived columns of did.spec.derived.
    issues_path: Path | None = None
    records_path: Path | None = None
    _work: tempfile.TemporaryDirectory | None = field(default=None, repr=False)

    def close(self) -> None:
        """Remove the work folder (its files have been stored, or are not wanted)."""
        if self._work is not None:
            self._work.cleanup()
            self._work = None


def rejection() -> Rejection:
    return Rejection(settings.SUBMISSIONS_REJECTION)


def run(
    path: Path,
    *,
    received: date,
    period: str,
    providers: frozenset[str],
    progress: Callable[[int], None] | None = None,
) -> EngineOutcome:
    work = scratch.directory(scratch.OUTCOME)
    out = Path(work.name)
    try:
        report = validate_file(
            path,
            received=received,
            reference=reference_data.reference(),
            codes=reference_data.imaging_codes(),
            period=period,
            other_months_allowed=settings.SUBMISSIONS_ALLOW_OTHER_MONTHS,
            providers=providers,
            rejection=rejection(),
            progress=progress,
            keep_records=False,
            out=out,
        )
    except BaseException:
        work.cleanup()
        raise
    records = out / RECORDS_FILE
    return EngineOutcome(
        accepted=report.accepted,
        record_count=report.record_count,
        error_count=report.errors,
        warning_count=report.warnings,
        rule_counts=report.rule_summary(),
        file_errors=[e.message for e in report.file_errors],
        rejection=report.rejection.value,
        records_accepted=report.records_accepted,
        records_without_errors=report.records_without_errors,
        notices=list(report.notices),
        issues_path=out / ISSUES_FILE,
        records_path=records if records.exists() else None,
        _work=work,
    )
