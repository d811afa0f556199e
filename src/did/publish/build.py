"""Published tables from the engines' cubes: totals, medians, completeness, disclosure.

Shared by both engines. Works on small frames of counts (never on records) and applies
disclosure control to every number before the tables leave this module.
"""

from dataclasses import dataclass, field

import polars as pl

from did.publish.disclosure import DisclosureRules, count_expr, days_expr
from did.publish.engines import Cubes
from did.publish.periods import Window
from did.publish.tables import (
    ENGLAND,
    ENGLAND_NAME,
    GP_DIRECT_ACCESS,
    SOURCE_SETTINGS,
    TABLES,
    UNKNOWN_REGION,
    UNKNOWN_REGION_NAME,
    UNKNOWN_SOURCE_NAME,
)
from did.spec.derived import MODALITIES

MODALITY_ENUM = pl.Enum(list(MODALITIES))


@dataclass(frozen=True)
class PublishOptions:
    cancer_codes: pl.DataFrame | None = None  # code_system, code, cancer_group
    cancer_group_order: tuple[str, ...] = ()  # display order of the groups
    regions: pl.DataFrame | None = None  # provider_code, region_code, region_name
    expected_providers: tuple[str, ...] | None = None  # default: providers in the window
    rules: DisclosureRules = field(default_factory=DisclosureRules)


@dataclass
class Publication:
    window: Window
    rules: DisclosureRules
    tables: dict[str, pl.DataFrame]


def _check_modalities(activity: pl.DataFrame) -> None:
    unknown = sorted(set(activity["modality"].drop_nulls().unique()) - set(MODALITIES))
    if unknown or activity["modality"].null_count():
        shown = ", ".join(repr(m) for m in unknown) or "an empty modality"
        raise ValueError(
            f"the records carry {shown}, which is not in the publication's modality "
            "vocabulary: derive the records again with the current imaging code reference"
        )


def _with_england(frame: pl.DataFrame, keys: list[str], value: str = "tests") -> pl.DataFrame:
    """Provider rows plus ENGLAND rows, each summed from the unrounded counts."""
    providers = frame.group_by(["provider_code", *keys]).agg(pl.col(value).sum())
    england = (
        frame.group_by(keys)
        .agg(pl.col(value).sum())
        .with_columns(pl.lit(ENGLAND).alias("provider_code"))
    )
    return pl.concat([providers, england.select(providers.columns)])


def _provider_order() -> pl.Expr:
    """ENGLAND first, then providers by code."""
    return pl.col("provider_code") != ENGLAND


def _sorted(frame: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    sort_by = []
    for key in keys:
        if key == "provider_code":
            sort_by += [_provider_order(), pl.col("provider_code")]
        elif key == "region_code":
            sort_by += [pl.col("region_code") != ENGLAND, pl.col("region_code")]
        elif key == "modality":
            sort_by.append(pl.col("modality").cast(MODALITY_ENUM))
        else:
            sort_by.append(pl.col(key))
    return frame.sort(sort_by, nulls_last=True)


def _percentiles(histogram: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """Tests, median and 90th percentile days per key, by nearest rank (ADR 051):
    the smallest day count d such that at least q of the tests took d days or fewer."""
    counts = histogram.group_by([*keys, "days"]).agg(pl.col("tests").sum())
    counts = counts.sort([*keys, "days"]).with_columns(
        pl.col("tests").cum_sum().over(keys).alias("cumulative"),
        pl.col("tests").sum().over(keys).alias("n"),
    )
    out = counts.group_by(keys).agg(pl.col("tests").sum())
    for name, (numerator, denominator) in {"median_days": (1, 2), "p90_days": (9, 10)}.items():
        rank = (pl.col("n") * numerator + denominator - 1) // denominator
        value = (
            counts.filter(pl.col("cumulative") >= rank)
            .group_by(keys)
            .agg(pl.col("days").min().alias(name))
        )
        out = out.join(value, on=keys, how="left")
    return out


def modality_provider_counts(cubes: Cubes, rules: DisclosureRules) -> pl.DataFrame:
    frame = _with_england(cubes.activity, ["period", "modality"])
    frame = frame.filter(pl.col("tests") > 0).with_columns(
        count_expr(pl.col("tests"), rules).alias("activity")
    )
    frame = _sorted(frame, ["period", "provider_code", "modality"])
    return frame.select(TABLES["modality_provider_counts"].column_names)


def modality_region_counts(
    cubes: Cubes, regions: pl.DataFrame | None, rules: DisclosureRules
) -> pl.DataFrame:
    activity = cubes.activity.group_by(["period", "provider_code", "modality"]).agg(
        pl.col("tests").sum()
    )
    if regions is None:
        regions = pl.DataFrame(
            schema={"provider_code": pl.Utf8, "region_code": pl.Utf8, "region_name": pl.Utf8}
        )
    regions = regions.select("provider_code", "region_code", "region_name").unique(
        subset=["provider_code"], keep="first", maintain_order=True
    )
    with_region = activity.join(regions, on="provider_code", how="left").with_columns(
        pl.col("region_code").fill_null(UNKNOWN_REGION),
        pl.col("region_name").fill_null(UNKNOWN_REGION_NAME),
    )
    by_region = with_region.group_by(["period", "region_code", "region_name", "modality"]).agg(
        pl.col("tests").sum()
    )
    england = (
        activity.group_by(["period", "modality"])
        .agg(pl.col("tests").sum())
        .with_columns(
            pl.lit(ENGLAND).alias("region_code"), pl.lit(ENGLAND_NAME).alias("region_name")
        )
    )
    frame = pl.concat([by_region, england.select(by_region.columns)])
    frame = frame.filter(pl.col("tests") > 0).with_columns(
        count_expr(pl.col("tests"), rules).alias("activity")
    )
    frame = _sorted(frame, ["period", "region_code", "modality"])
    return frame.select(TABLES["modality_region_counts"].column_names)


def source_setting_counts(cubes: Cubes, rules: DisclosureRules) -> pl.DataFrame:
    activity = cubes.activity.with_columns(pl.col("patient_source_setting").fill_null(""))
    frame = _with_england(activity, ["period", "patient_source_setting"])
    names = pl.DataFrame(
        {
            "patient_source_setting": list(SOURCE_SETTINGS),
            "source_setting": list(SOURCE_SETTINGS.values()),
        }
    )
    frame = (
        frame.filter(pl.col("tests") > 0)
        .join(names, on="patient_source_setting", how="left")
        .with_columns(
            pl.col("source_setting").fill_null(UNKNOWN_SOURCE_NAME),
            count_expr(pl.col("tests"), rules).alias("activity"),
        )
    )
    frame = _sorted(frame, ["period", "provider_code", "patient_source_setting"])
    return frame.select(TABLES["source_setting_counts"].column_names)


def waiting_times(cubes: Cubes, rules: DisclosureRules) -> pl.DataFrame:
    parts = []
    for measure in ("request_to_test", "test_to_report"):
        histogram = getattr(cubes, measure).select(
            "period", "provider_code", "modality", "days", "tests"
        )
        england = histogram.with_columns(pl.lit(ENGLAND).alias("provider_code"))
        both = pl.concat([histogram, england])
        stats = _percentiles(both, ["period", "provider_code", "modality"])
        parts.append(stats.with_columns(pl.lit(measure).alias("measure")))
    frame = pl.concat([part.select(parts[0].columns) for part in parts])
    frame = frame.with_columns(
        days_expr(pl.col("median_days"), pl.col("tests"), rules).alias("median_days"),
        days_expr(pl.col("p90_days"), pl.col("tests"), rules).alias("p90_days"),
        count_expr(pl.col("tests"), rules).alias("tests"),
    )
    frame = _sorted(frame, ["period", "provider_code", "modality", "measure"])
    return frame.select(TABLES["waiting_times"].column_names)


def cancer_tests(cubes: Cubes, group_order: tuple[str, ...], rules: DisclosureRules):
    keys = ["period", "provider_code", "cancer_group"]
    activity = cubes.activity.filter(pl.col("cancer_group").is_not_null())
    activity = activity.with_columns(
        (pl.col("patient_source_setting") == GP_DIRECT_ACCESS)
        .fill_null(False)
        .cast(pl.Int64)
        .alias("gp")
    )
    activity = activity.with_columns((pl.col("tests") * pl.col("gp")).alias("gp_tests"))
    provider = activity.group_by(keys).agg(pl.col("tests").sum(), pl.col("gp_tests").sum())
    england = (
        activity.group_by(["period", "cancer_group"])
        .agg(pl.col("tests").sum(), pl.col("gp_tests").sum())
        .with_columns(pl.lit(ENGLAND).alias("provider_code"))
    )
    counts = pl.concat([provider, england.select(provider.columns)])

    waits = cubes.request_to_test.filter(pl.col("cancer_group").is_not_null())
    waits = pl.concat([waits, waits.with_columns(pl.lit(ENGLAND).alias("provider_code"))])
    all_sources = _percentiles(waits, keys).select(
        *keys, pl.col("tests").alias("all_waits"), pl.col("median_days").alias("all_median")
    )
    gp = _percentiles(waits.filter(pl.col("gp_direct_access") == 1), keys).select(
        *keys, pl.col("tests").alias("gp_waits"), pl.col("median_days").alias("gp_median")
    )
    frame = counts.join(all_sources, on=keys, how="left").join(gp, on=keys, how="left")
    frame = frame.with_columns(
        count_expr(pl.col("gp_tests"), rules).alias("gp_direct_access"),
        count_expr(pl.col("tests"), rules).alias("all_sources"),
        days_expr(pl.col("gp_median"), pl.col("gp_waits").fill_null(0), rules).alias(
            "gp_median_days_request_to_test"
        ),
        days_expr(pl.col("all_median"), pl.col("all_waits").fill_null(0), rules).alias(
            "all_median_days_request_to_test"
        ),
    )
    order = list(group_order) + sorted(set(frame["cancer_group"].unique()) - set(group_order))
    frame = frame.with_columns(pl.col("cancer_group").cast(pl.Enum(order)).alias("group_rank"))
    frame = frame.sort(
        [pl.col("period"), _provider_order(), pl.col("provider_code"), pl.col("group_rank")]
    )
    return frame.select(TABLES["cancer_tests"].column_names)


def completeness(
    cubes: Cubes, window: Window, expected: tuple[str, ...] | None, rules: DisclosureRules
) -> pl.DataFrame:
    present = cubes.activity.group_by(["period", "provider_code"]).agg(pl.col("tests").sum())
    expected_set = set(expected) if expected is not None else set(present["provider_code"].unique())
    periods = pl.DataFrame({"period": window.periods})
    totals = present.group_by("period").agg(pl.col("tests").sum())
    included = (
        present.filter(pl.col("provider_code").is_in(sorted(expected_set)))
        .group_by("period")
        .agg(pl.len().cast(pl.Int64).alias("organisations_included"))
    )
    n = len(expected_set)
    frame = (
        periods.join(totals, on="period", how="left")
        .join(included, on="period", how="left")
        .with_columns(
            pl.col("tests").fill_null(0),
            pl.col("organisations_included").fill_null(0),
            pl.lit(n, dtype=pl.Int64).alias("organisations_expected"),
        )
    )
    # Tenths of a per cent, rounded half up in integers, so both engines print the same.
    tenths = (pl.col("organisations_included") * 2000 + n) // (2 * n) if n else pl.lit(None)
    frame = frame.with_columns(
        count_expr(pl.col("tests"), rules).alias("activity"),
        (tenths.cast(pl.Float64) / 10).round(1).alias("percent_included"),
    )
    return frame.sort("period").select(TABLES["completeness"].column_names)


def build_tables(cubes: Cubes, window: Window, options: PublishOptions) -> Publication:
    _check_modalities(cubes.activity)
    rules = options.rules
    tables = {
        "modality_provider_counts": modality_provider_counts(cubes, rules),
        "modality_region_counts": modality_region_counts(cubes, options.regions, rules),
        "source_setting_counts": source_setting_counts(cubes, rules),
        "waiting_times": waiting_times(cubes, rules),
        "cancer_tests": cancer_tests(cubes, options.cancer_group_order, rules),
        "completeness": completeness(cubes, window, options.expected_providers, rules),
    }
    return Publication(window=window, rules=rules, tables=tables)
