"""What the release page shows: England figures for the latest month and the trend,
read from the release's published (already disclosure-controlled) files."""

from dataclasses import dataclass, field

import polars as pl

from did.publish.periods import periods_between, shift
from did.publish.tables import ENGLAND, TABLES
from did.spec.derived import MODALITIES
from portal.publications.charts import Bar, bar_chart, small_multiples
from portal.publications.models import Release, month_name
from portal.publications.services import load_table

CHARTS = ("modality", "monthly", "source-setting", "trend")


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
    anchor: str = ""  # the id of its heading and table; default: the table's name
    stacked: bool = False  # chart above a wide table, rather than beside it

    def __post_init__(self):
        self.anchor = self.anchor or self.table

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


def modality_trend(
    table: pl.DataFrame, provider: str, periods: list[str]
) -> list[tuple[str, list[int | None]]]:
    """Each modality the provider (or ENGLAND) has tests of, with its count in every month
    of the release (0 for a month without a row: no tests)."""
    rows = table.filter(pl.col("provider_code") == provider)
    cells = {(p, m): v for p, m, v in rows.select("period", "modality", "activity").rows()}
    present = set(rows["modality"])
    return [(m, [cells.get((p, m), 0) for p in periods]) for m in MODALITIES if m in present]


def _short_month(period: str) -> str:
    return month_name(period)[:3] + " " + period[:4]


def trend_section(
    release: Release, provider: str, chart_id: str, title: str
) -> tuple["Section", str]:
    periods = periods_between(release.period_start, release.period_end)
    series = modality_trend(load_table(release, "modality_provider_counts"), provider, periods)
    section = Section(
        "modality_provider_counts",
        title,
        "Tests each month by modality. Each small chart has its own scale, from zero.",
        ["Month", *(name for name, _ in series)],
        [
            [month_name(p), *(_number(values[i]) for _, values in series)]
            for i, p in enumerate(periods)
        ],
        chart="trend",
        numeric=set(range(1, len(series) + 1)),
        anchor="trend",
        stacked=True,
    )
    svg = small_multiples(chart_id, title, [_short_month(p) for p in periods], series)
    return section, svg


def chart_svg(release: Release, chart: str) -> str | None:
    latest = release.period_end
    if chart == "trend":
        return trend_section(release, ENGLAND, "chart-trend", _TREND_TITLE)[1]
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
        top = modality.sort("activity", descending=True, nulls_last=True).row(0, named=True)
        figures["top_modality"] = top["modality"]
        figures["top_modality_activity"] = top["activity"]
    return figures


_TREND_TITLE = "Imaging tests in England by modality and month"


def sections(release: Release) -> list[Section]:
    latest = release.period_end
    month = month_name(latest)
    trend, _ = trend_section(release, ENGLAND, "chart-trend", _TREND_TITLE)
    out = [trend]

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
            [
                [row[0], *(_number(v) for v in row[1:])]
                for row in cancer.select(
                    "cancer_group",
                    "gp_direct_access",
                    "all_sources",
                    "gp_median_days_request_to_test",
                    "all_median_days_request_to_test",
                ).rows()
            ],
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


@dataclass(frozen=True)
class Provider:
    code: str
    name: str
    region_name: str


def providers(release: Release) -> list[Provider]:
    """The providers with rows in the release, by name."""
    table = load_table(release, "modality_provider_counts").filter(
        pl.col("provider_code") != ENGLAND
    )
    seen = table.select("provider_code", "provider_name", "region_name").unique("provider_code")
    found = [Provider(c, n or c, r or "") for c, n, r in seen.rows()]
    return sorted(found, key=lambda p: (p.name, p.code))


def find_provider(release: Release, code: str) -> Provider | None:
    return next((p for p in providers(release) if p.code == code), None)


def _share(part, whole) -> str:
    if part is None or whole is None:
        return "[c]"
    if not whole:
        return "0.0"
    return f"{part * 100 / whole:.1f}"


def provider_sections(release: Release, provider: Provider) -> list[Section]:
    """The provider's activity and waiting times, beside England's, from the release."""
    latest = release.period_end
    month = month_name(latest)
    trend, svg = trend_section(
        release,
        provider.code,
        "chart-provider-trend",
        f"Imaging tests at {provider.name} by modality and month",
    )
    trend.svg, trend.chart = svg, ""  # the release's chart downloads are England's
    counts = load_table(release, "modality_provider_counts").filter(pl.col("period") == latest)
    mine = dict(counts.filter(pl.col("provider_code") == provider.code).select(
        "modality", "activity"
    ).rows())  # fmt: skip
    england = dict(counts.filter(pl.col("provider_code") == ENGLAND).select(
        "modality", "activity"
    ).rows())  # fmt: skip
    activity = Section(
        "modality_provider_counts",
        f"Tests by modality, {month}, against England",
        "The provider's tests, England's, and the provider's share of England's tests.",
        ["Modality", "Tests", "England", "Share of England, %"],
        [
            [m, _number(mine[m]), _number(england.get(m)), _share(mine[m], england.get(m))]
            for m in MODALITIES
            if m in mine
        ],
        numeric={1, 2, 3},
        anchor="provider-activity",
    )
    waits = load_table(release, "waiting_times").filter(pl.col("period") == latest)
    medians = {
        (code, m, measure): median
        for code, m, measure, median in waits.filter(
            pl.col("provider_code").is_in([provider.code, ENGLAND])
        )
        .select("provider_code", "modality", "measure", "median_days")
        .rows()
    }
    waiting = Section(
        "waiting_times",
        f"Median days waited, {month}, against England",
        TABLES["waiting_times"].description,
        [
            "Modality",
            "Request to test: provider",
            "Request to test: England",
            "Test to report: provider",
            "Test to report: England",
        ],
        [
            [m]
            + [
                _number(medians.get((code, m, measure)))
                for measure in ("request_to_test", "test_to_report")
                for code in (provider.code, ENGLAND)
            ]
            for m in MODALITIES
            if any((provider.code, m, x) in medians for x in ("request_to_test", "test_to_report"))
        ],
        numeric={1, 2, 3, 4},
        anchor="provider-waits",
    )
    return [activity, trend, waiting]
