"""Disclosure control, applied to every published number before it is written or shown.

ADR 051. Counts of tests are rounded to the nearest 5, each cell and each total
independently from its own unrounded count (an integer is never exactly half-way between
two multiples of 5, so there are no ties: 1-2 round down, 3-4 up). Optionally, counts
from 1 to `suppress_below - 1` are withheld (published empty). Medians and percentiles
are published only where at least `min_tests_for_days` tests contribute.
"""

from dataclasses import dataclass

import polars as pl

ROUNDING_BASE = 5
# How a withheld value is written on the page and in every CSV and workbook: the
# Government Statistical Service's symbol for "confidential" (ADR 055).
WITHHELD = "[c]"
WITHHELD_NOTE = (
    "[c] marks a value withheld by disclosure control: a count below the suppression "
    "threshold, or a median or percentile with too few tests behind it."
)
DEFAULT_MIN_TESTS_FOR_DAYS = 10


@dataclass(frozen=True)
class DisclosureRules:
    suppress_below: int | None = None  # off by default
    min_tests_for_days: int = DEFAULT_MIN_TESTS_FOR_DAYS

    def __post_init__(self):
        if self.suppress_below is not None and self.suppress_below < 1:
            raise ValueError("the suppression threshold must be a whole number of at least 1")
        if self.min_tests_for_days < 1:
            raise ValueError("the minimum number of tests for medians must be at least 1")

    def describe(self) -> dict:
        return {
            "rounding": f"every count rounded to the nearest {ROUNDING_BASE}, independently",
            "suppress_below": self.suppress_below,
            "min_tests_for_days": self.min_tests_for_days,
        }


def round_to_base(value: int) -> int:
    """Nearest multiple of 5 for a non-negative integer count (no ties exist)."""
    return ((value + ROUNDING_BASE // 2) // ROUNDING_BASE) * ROUNDING_BASE


def count_expr(raw: pl.Expr, rules: DisclosureRules) -> pl.Expr:
    """The published form of an unrounded count: rounded, or null when suppressed."""
    half = ROUNDING_BASE // 2
    rounded = ((raw + half) // ROUNDING_BASE) * ROUNDING_BASE
    if rules.suppress_below is None:
        return rounded.cast(pl.Int64)
    small = (raw > 0) & (raw < rules.suppress_below)
    return pl.when(small).then(None).otherwise(rounded).cast(pl.Int64)


def days_expr(days: pl.Expr, tests: pl.Expr, rules: DisclosureRules) -> pl.Expr:
    """A median or percentile, kept only where enough tests contribute (and never where
    the count itself would be suppressed)."""
    minimum = max(rules.min_tests_for_days, rules.suppress_below or 0)
    return pl.when(tests >= minimum).then(days).otherwise(None).cast(pl.Int64)
