"""The one place the portal calls the DID engine: validate a file, derive the records.

Everything the submissions service needs from `did` goes through `run()`, which returns an
EngineOutcome of plain values and Polars frames.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import polars as pl


class EngineUnavailable(RuntimeError):
    pass


@dataclass
class EngineOutcome:
    accepted: bool
    record_count: int
    error_count: int
    warning_count: int
    # [{"rule": "DIDS001", "severity": "error", "count": 3, "message": "..."}]
    rule_counts: list[dict] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)
    issues: pl.DataFrame | None = None
    # Accepted only: the 18 items + the derived columns of did.spec.derived.
    records: pl.DataFrame | None = None


def run(
    path: Path,
    *,
    received: date,
    period: str,
    progress: Callable[[int], None] | None = None,
) -> EngineOutcome:
    try:
        from did.validate import validate_file  # noqa: F401
    except ImportError as error:
        raise EngineUnavailable("The DID validation engine is not installed.") from error
    raise EngineUnavailable("The DID validation engine is not wired in yet.")
