"""Read a submission's validation report: all errors, the first 200 warnings."""

from pathlib import Path

import polars as pl

from portal.submissions import store

WARNINGS_SHOWN = 200
ERRORS_PER_PAGE = 500


def _issues(submission) -> pl.LazyFrame | None:
    if not submission.report_path:
        return None
    path: Path = store.absolute(submission.report_path)
    if not path.exists():
        return None
    return pl.scan_parquet(path)


def errors(submission, page: int = 1) -> list[dict]:
    issues = _issues(submission)
    if issues is None:
        return []
    offset = (max(page, 1) - 1) * ERRORS_PER_PAGE
    return (
        issues.filter(pl.col("severity") == "error")
        .slice(offset, ERRORS_PER_PAGE)
        .collect()
        .to_dicts()
    )


def warnings(submission) -> list[dict]:
    issues = _issues(submission)
    if issues is None:
        return []
    return issues.filter(pl.col("severity") == "warning").head(WARNINGS_SHOWN).collect().to_dicts()


def issues_path(submission) -> Path | None:
    return store.absolute(submission.report_path) if submission.report_path else None
