"""Table 1 as NHS England publishes it: "Modality Provider Counts", wide by month.

One row per provider and modality (ENGLAND first), one column per month of the financial
year of the release's latest month (April onwards, as far as the release reaches), and
Year to date. build.table_1 computes it: every cell, and each Year to date from its own unrounded total, goes through
the same disclosure control as the tidy tables (ADR 051). Spec did-publications.md §1.2.
"""

from dataclasses import dataclass

import polars as pl

from did.publish.periods import Window, parse_period, periods_between

MONTH_HEADINGS = (
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
)
KEY_COLUMNS = ("region_code", "provider_code", "provider_name", "modality")
KEY_HEADINGS = ("Region Code", "Org Code", "Provider Name", "Modality")
YEAR_TO_DATE = "year_to_date"
TABLE_1 = "table_1_modality_provider_counts"


@dataclass(frozen=True)
class WideTable:
    name: str
    title: str
    financial_year: str  # 2026-27
    months: tuple[str, ...]  # the month columns, YYYY-MM
    frame: pl.DataFrame  # KEY_COLUMNS, one column per month, year_to_date

    @property
    def headings(self) -> list[str]:
        months = [MONTH_HEADINGS[parse_period(m)[1] - 1] for m in self.months]
        return [*KEY_HEADINGS, *months, "Year to date"]

    @property
    def count_columns(self) -> list[str]:
        return [*self.months, YEAR_TO_DATE]


def financial_year_months(window: Window) -> tuple[str, list[str]]:
    """The financial year of the window's last month, and its months in the window."""
    year, month = parse_period(window.end)
    first = year if month >= 4 else year - 1
    months = [m for m in periods_between(f"{first:04d}-04", window.end) if m >= window.start]
    return f"{first}-{(first + 1) % 100:02d}", months
