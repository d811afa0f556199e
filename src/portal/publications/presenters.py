"""What the release page shows: England figures for the latest month and the trend,
read from the release's published (already disclosure-controlled) files."""

from dataclasses import dataclass, field

import polars as pl

from did.publish.periods import parse_period, shift
from did.publish.tables import ENGLAND, TABLES
from did.spec.derived import MODALITIES
from portal.publications.charts import Bar, bar_chart
from portal.publications.models import _MONTHS, Release
from portal.publications.services import load_table

CHARTS = ("modality", "monthly", "source-setting")


def month_name(period: str) -> str:
    year, month = parse_period(period)
    return f"{_MONTHS[month - 1]} {year}"


@dataclass
class Section:
    table: str
    title: str
    description: str
    headers: list[str]
    rows: list[list]
    chart: str = ""
    numeric: set[int] = field(default_factory=set)
    svg: str = ""

    @property
    def table_rows(self) -> list[list[tuple[str, object, bool]]]:
        """Each cell with its column header (for the responsive table) and alignment."""
        return [
            [(self.headers[i], cell, i in self.numeric) for i, cell in enumerate(row)]
            for row in self.rows
        ]


def _number(value):
    if value is None:
        return "[c]"
    if isinstance(value, float):
        return f"{value:.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return value


def _england(frame: pl.DataFrame, period: str, column: str = "provider_code") -> pl.DataFrame:
    return frame.filter((pl.col(column) == ENGLAND) & (pl.col("period") == period))


def chart_svg(release: Release, chart: str) -> str | None:
    latest = release.period_end
    if chart == "modality":
        table = load_table(release, "modality_provider_counts")
        rows = _england(table, latest).select("modality", "activity").rows()
        return bar_chart(
            "chart-modality",
            f"Imaging tests in England by modality, {month_name(latest)}",
            [Bar(m, v) for m, v in rows],
        )
    if chart == "monthly":
        table = load_table(release, "completeness")
        return bar_chart(
            "chart-monthly",
            "Imaging tests in England by month",
            [Bar(month_name(p), v) for p, v in table.select("period", "activity").rows()],
        )
    if chart == "source-setting":
        table = load_table(release, "source_setting_counts")
        rows = _england(table, latest).select("source_setting", "activity").rows()
        return bar_chart(
            "chart-source-setting",
            f"Imaging tests in England by patient source setting, {month_name(latest)}",
            [Bar(s, v) for s, v in rows],
        )
    return None


def headline(release: Release) -> dict:
    completeness = load_table(release, "completeness")
    latest = release.period_end
    year_before = shift(latest, -12)
    by_period = {row[0]: row for row in completeness.rows()}
    current = by_period.get(latest)
    figures = {
        "month": month_name(latest),
        "activity": current[1] if current else None,
        "percent_included": current[4] if current else None,
        "organisations_included": current[2] if current else None,
        "organisations_expected": current[3] if current else None,
    }
    earlier = by_period.get(year_before)
    if current and earlier and earlier[1]:
        change = (current[1] - earlier[1]) * 1000 // earlier[1]
        figures["change"] = {"month": month_name(year_before), "per_mille": change}
        figures["change_percent"] = f"{abs(change) / 10:.1f}"
        figures["direction"] = "more" if change >= 0 else "fewer"
    modality = _england(load_table(release, "modality_provider_counts"), latest)
    if modality.height:
        top = modality.sort("activity", descending=True, nulls_last=True).row(0)
        figures["top_modality"] = top[2]
        figures["top_modality_activity"] = top[3]
    return figures


def sections(release: Release) -> list[Section]:
    latest = release.period_end
    month = month_name(latest)
    out = []

    modality = _england(load_table(release, "modality_provider_counts"), latest)
    out.append(
        Section(
            "modality_provider_counts",
            f"Imaging activity by modality, England, {month}",
            TABLES["modality_provider_counts"].description,
            ["Modality", "Tests"],
            [[m, _number(v)] for m, v in modality.select("modality", "activity").rows()],
            chart="modality",
            numeric={1},
        )
    )
    completeness = load_table(release, "completeness")
    out.append(
        Section(
            "completeness",
            "Imaging activity by month, England, and organisations included",
            TABLES["completeness"].description,
            ["Month", "Tests", "Organisations included", "Organisations expected", "% included"],
            [
                [month_name(p), _number(a), _number(i), _number(e), _number(pc)]
                for p, a, i, e, pc in completeness.rows()
            ],
            chart="monthly",
            numeric={1, 2, 3, 4},
        )
    )
    source = _england(load_table(release, "source_setting_counts"), latest)
    out.append(
        Section(
            "source_setting_counts",
            f"Imaging activity by patient source setting, England, {month}",
            TABLES["source_setting_counts"].description,
            ["Code", "Patient source setting", "Tests"],
            [
                [c, s, _number(v)]
                for c, s, v in source.select(
                    "patient_source_setting", "source_setting", "activity"
                ).rows()
            ],
            chart="source-setting",
            numeric={2},
        )
    )
    waits = _england(load_table(release, "waiting_times"), latest)
    wide = {}
    for modality_name, measure, median, p90 in waits.select(
        "modality", "measure", "median_days", "p90_days"
    ).rows():
        wide.setdefault(modality_name, {})[measure] = (median, p90)
    out.append(
        Section(
            "waiting_times",
            f"Days waited, England, {month}",
            TABLES["waiting_times"].description,
            [
                "Modality",
                "Request to test: median days",
                "Request to test: 90th percentile",
                "Test to report: median days",
                "Test to report: 90th percentile",
            ],
            [
                [m]
                + [
                    _number(v)
                    for measure in ("request_to_test", "test_to_report")
                    for v in wide[m].get(measure, (None, None))
                ]
                for m in MODALITIES
                if m in wide
            ],
            numeric={1, 2, 3, 4},
        )
    )
    cancer = _england(load_table(release, "cancer_tests"), latest)
    out.append(
        Section(
            "cancer_tests",
            f"Tests that could contribute to early diagnosis of cancer, England, {month}",
            TABLES["cancer_tests"].description,
            [
                "Test group",
                "GP direct access",
                "All sources",
                "Median days, GP direct access",
                "Median days, all sources",
            ],
            [[row[2], *(_number(v) for v in row[3:])] for row in cancer.rows()],
            numeric={1, 2, 3, 4},
        )
    )
    regions = load_table(release, "modality_region_counts").filter(pl.col("period") == latest)
    out.append(
        Section(
            "modality_region_counts",
            f"Imaging activity by NHS England region and modality, {month}",
            TABLES["modality_region_counts"].description,
            ["Region", "Modality", "Tests"],
            [
                [name, m, _number(v)]
                for name, m, v in regions.select("region_name", "modality", "activity").rows()
            ],
            numeric={2},
        )
    )
    return out
