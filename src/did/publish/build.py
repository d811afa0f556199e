"""Published tables from the engines' cubes: totals, medians, completeness, disclosure.

Shared by both engines. Works on small frames of counts (never on records) and applies
disclosure control to every number before the tables leave this module.
"""

from dataclasses import dataclass, field

import polars as pl

from did.publish.disclosure import DisclosureRules, count_expr, days_expr
from did.publish.engines import AGE_NOT_KNOWN, OLDEST_BAND, UNKNOWN_COMMISSIONER, Cubes
from did.publish.periods import FINAL, Window
from did.publish.tables import (
    AGE_NOT_KNOWN_NAME,
    ENGLAND,
    ENGLAND_NAME,
    GENDER_NOT_KNOWN,
    GENDERS,
    GP_DIRECT_ACCESS,
    REGION_NAMES,
    SOURCE_SETTINGS,
    TABLES,
    UNKNOWN_REGION,
    UNKNOWN_REGION_NAME,
    UNKNOWN_SOURCE_NAME,
)
from did.publish.wide import KEY_COLUMNS, TABLE_1, YEAR_TO_DATE, WideTable, financial_year_months
from did.spec.derived import MODALITIES

MODALITY_ENUM = pl.Enum(list(MODALITIES))


@dataclass(frozen=True)
class PublishOptions:
    cancer_codes: pl.DataFrame | None = None  # code_system, code, cancer_group
    cancer_group_order: tuple[str, ...] = ()  # display order of the groups
    # provider_code, region_code, and optionally region_name, icb_code, provider_name: the
    # organisation reference (ODS) that names and places every provider row.
    regions: pl.DataFrame | None = None
    # practice_code, sub_icb_code, icb_code: the ODS GP practice file's commissioners.
    practices: pl.DataFrame | None = None
    expected_providers: tuple[str, ...] | None = None  # default: providers in the window
    rules: DisclosureRules = field(default_factory=DisclosureRules)


@dataclass
class Publication:
    window: Window
    rules: DisclosureRules
    tables: dict[str, pl.DataFrame]
    wide: dict[str, WideTable] = field(default_factory=dict)


PLACE_COLUMNS = ("region_code", "region_name", "icb_code", "provider_name")


def provider_places(regions: pl.DataFrame | None) -> pl.DataFrame:
    """One row per provider: its region code and name, ICB and name (null where the
    reference does not say). A region name missing from the reference comes from the
    region code."""
    schema = {"provider_code": pl.Utf8, **dict.fromkeys(PLACE_COLUMNS, pl.Utf8)}
    if regions is None:
        return pl.DataFrame(schema=schema)
    frame = regions.select(
        pl.col(name).cast(pl.Utf8) if name in regions.columns else pl.lit(None, pl.Utf8).alias(name)
        for name in schema
    ).with_columns(pl.all().str.strip_chars().replace("", None))
    frame = frame.with_columns(
        pl.col("region_name").fill_null(
            pl.col("region_code").replace_strict(REGION_NAMES, default=None)
        )
    )
    return frame.unique(subset=["provider_code"], keep="first", maintain_order=True)


def _with_place(frame: pl.DataFrame, places: pl.DataFrame) -> pl.DataFrame:
    """Provider rows named and placed; ENGLAND rows named England."""
    joined = frame.join(places, on="provider_code", how="left")
    england = pl.col("provider_code") == ENGLAND
    return joined.with_columns(
        pl.when(england)
        .then(None)
        .otherwise(pl.col("region_code").fill_null(UNKNOWN_REGION))
        .alias("region_code"),
        pl.when(england)
        .then(None)
        .otherwise(pl.col("region_name").fill_null(UNKNOWN_REGION_NAME))
        .alias("region_name"),
        pl.when(england).then(None).otherwise(pl.col("icb_code")).alias("icb_code"),
        pl.when(england)
        .then(pl.lit(ENGLAND_NAME))
        .otherwise(pl.col("provider_name"))
        .alias("provider_name"),
    )


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


def modality_provider_counts(
    cubes: Cubes, places: pl.DataFrame, rules: DisclosureRules
) -> pl.DataFrame:
    frame = _with_england(cubes.activity, ["period", "modality"])
    frame = frame.filter(pl.col("tests") > 0).with_columns(
        count_expr(pl.col("tests"), rules).alias("activity")
    )
    frame = _sorted(_with_place(frame, places), ["period", "provider_code", "modality"])
    return frame.select(TABLES["modality_provider_counts"].column_names)


def modality_region_counts(
    cubes: Cubes, places: pl.DataFrame, rules: DisclosureRules
) -> pl.DataFrame:
    activity = cubes.activity.group_by(["period", "provider_code", "modality"]).agg(
        pl.col("tests").sum()
    )
    regions = places.select("provider_code", "region_code", "region_name")
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


def source_setting_counts(
    cubes: Cubes, places: pl.DataFrame, rules: DisclosureRules
) -> pl.DataFrame:
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
    frame = _sorted(
        _with_place(frame, places), ["period", "provider_code", "patient_source_setting"]
    )
    return frame.select(TABLES["source_setting_counts"].column_names)


def waiting_times(cubes: Cubes, places: pl.DataFrame, rules: DisclosureRules) -> pl.DataFrame:
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
    frame = _sorted(_with_place(frame, places), ["period", "provider_code", "modality", "measure"])
    return frame.select(TABLES["waiting_times"].column_names)


def cancer_tests(
    cubes: Cubes, places: pl.DataFrame, group_order: tuple[str, ...], rules: DisclosureRules
):
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
    frame = _with_place(frame, places).sort(
        [pl.col("period"), _provider_order(), pl.col("provider_code"), pl.col("group_rank")]
    )
    return frame.select(TABLES["cancer_tests"].column_names)


def commissioner_counts(cubes: Cubes, rules: DisclosureRules) -> pl.DataFrame:
    commissioner = cubes.commissioner
    by_commissioner = commissioner.group_by(["period", "icb_code", "sub_icb_code", "modality"]).agg(
        pl.col("tests").sum()
    )
    england = (
        commissioner.group_by(["period", "modality"])
        .agg(pl.col("tests").sum())
        .with_columns(
            pl.lit(None, pl.Utf8).alias("icb_code"), pl.lit(ENGLAND).alias("sub_icb_code")
        )
    )
    frame = pl.concat([by_commissioner, england.select(by_commissioner.columns)])
    frame = frame.filter(pl.col("tests") > 0).with_columns(
        count_expr(pl.col("tests"), rules).alias("activity")
    )
    unknown = pl.col("sub_icb_code") == UNKNOWN_COMMISSIONER
    frame = frame.sort(
        [
            pl.col("period"),
            pl.col("sub_icb_code") != ENGLAND,
            unknown,
            pl.col("icb_code"),
            pl.col("sub_icb_code"),
            pl.col("modality").cast(MODALITY_ENUM),
        ],
        nulls_last=True,
    )
    return frame.select(TABLES["commissioner_counts"].column_names)


def age_band_name(start: int) -> str:
    if start == AGE_NOT_KNOWN:
        return AGE_NOT_KNOWN_NAME
    if start >= OLDEST_BAND:
        return f"{OLDEST_BAND} and over"
    return f"{start}-{start + 4}"


def age_gender_counts(cubes: Cubes, rules: DisclosureRules) -> pl.DataFrame:
    """England over the window (the financial year of an annual release)."""
    counts = cubes.age_gender.with_columns(
        pl.col("gender").replace_strict(GENDERS, default=GENDER_NOT_KNOWN).alias("gender")
    )
    counts = counts.group_by(["modality", "age_band", "gender"]).agg(pl.col("tests").sum())
    gender_order = pl.Enum(list(dict.fromkeys(GENDERS.values())))
    frame = (
        counts.filter(pl.col("tests") > 0)
        .sort(
            [
                pl.col("modality").cast(MODALITY_ENUM),
                pl.col("age_band") == AGE_NOT_KNOWN,
                pl.col("age_band"),
                pl.col("gender").cast(gender_order),
            ]
        )
        .with_columns(
            pl.col("age_band").map_elements(age_band_name, return_dtype=pl.Utf8),
            count_expr(pl.col("tests"), rules).alias("activity"),
        )
    )
    return frame.select(TABLES["age_gender_counts"].column_names)


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


def table_1(
    cubes: Cubes, window: Window, places: pl.DataFrame, rules: DisclosureRules
) -> WideTable:
    """Table 1, wide (wide.py): each month's cell and the Year to date rounded from their
    own unrounded counts; a month with no tests of that modality is a true 0."""
    financial_year, months = financial_year_months(window)
    activity = cubes.activity.filter(pl.col("period").is_in(months))
    cells = _with_england(activity, ["period", "modality"])
    raw = cells.select("provider_code", "modality").unique()
    for month in months:
        month_cells = cells.filter(pl.col("period") == month).select(
            "provider_code", "modality", pl.col("tests").alias(month)
        )
        raw = raw.join(month_cells, on=["provider_code", "modality"], how="left")
    raw = raw.with_columns(pl.col(months).fill_null(0))
    frame = raw.with_columns(
        *(count_expr(pl.col(month), rules).alias(month) for month in months),
        count_expr(pl.sum_horizontal(months), rules).alias(YEAR_TO_DATE),
    )
    frame = frame.join(
        places.select("provider_code", "region_code", "provider_name"),
        on="provider_code",
        how="left",
    )
    england = pl.col("provider_code") == ENGLAND
    frame = frame.with_columns(
        pl.when(england).then(None).otherwise(pl.col("region_code").fill_null(UNKNOWN_REGION))
        .alias("region_code"),
        pl.when(england).then(pl.lit(ENGLAND_NAME)).otherwise(pl.col("provider_name"))
        .alias("provider_name"),
    )  # fmt: skip
    frame = frame.sort(
        [england.not_(), pl.col("provider_code"), pl.col("modality").cast(MODALITY_ENUM)]
    )
    frame = frame.select(*KEY_COLUMNS, *months, YEAR_TO_DATE)
    title = f"Table 1: Imaging activity by provider and modality, {financial_year}"
    return WideTable(TABLE_1, title, financial_year, tuple(months), frame)


def build_tables(cubes: Cubes, window: Window, options: PublishOptions) -> Publication:
    _check_modalities(cubes.activity)
    rules = options.rules
    places = provider_places(options.regions)
    tables = {
        "modality_provider_counts": modality_provider_counts(cubes, places, rules),
        "modality_region_counts": modality_region_counts(cubes, places, rules),
        "source_setting_counts": source_setting_counts(cubes, places, rules),
        "waiting_times": waiting_times(cubes, places, rules),
        "cancer_tests": cancer_tests(cubes, places, options.cancer_group_order, rules),
        "commissioner_counts": commissioner_counts(cubes, rules),
    }
    if window.kind == FINAL:
        tables["age_gender_counts"] = age_gender_counts(cubes, rules)
    tables["completeness"] = completeness(cubes, window, options.expected_providers, rules)
    table_one = table_1(cubes, window, places, rules)
    return Publication(window=window, rules=rules, tables=tables, wide={TABLE_1: table_one})
