"""Deterministic synthetic derived records, generated column by column.

For the demo release and the benchmark: no per-row Python, no patient identifiers (the
person items are left empty). The shape follows published shares: about half of tests
are plain radiography, a fifth ultrasound, and so on (spec did-publications.md §4.4).
"""

from datetime import date

import polars as pl

from did.publish.periods import parse_period
from did.spec.derived import DERIVED_COLUMNS
from did.spec.items import COLUMNS

# modality -> (share in thousandths, [(nicip code, share of the modality's tests)],
#              typical days request->test, typical days test->report)
PROFILE: dict[str, tuple[int, list[tuple[str, int]], int, int]] = {
    "Plain Radiography": (500, [("XCHES", 40), ("XKNEB", 30), ("XHIPL", 30)], 1, 2),
    "Diagnostic Ultrasonography": (220, [("UABDO", 50), ("UKIDB", 20), ("UTHYR", 30)], 14, 1),
    "Computerized Axial Tomography": (150, [("CCHES", 30), ("CHEAD", 70)], 7, 2),
    "Magnetic Resonance Imaging": (80, [("MBRAI", 40), ("MKNEL", 60)], 20, 4),
    "Fluoroscopy": (20, [("FBASW", 100)], 10, 2),
    "Nuclear Medicine": (15, [("NBONE", 100)], 15, 3),
    "Positron Emission Tomography": (9, [("PCTWB", 100)], 10, 3),
    "Single Photon Emission Computerized Tomography": (3, [("NSPMY", 100)], 20, 5),
    "Medical Photography": (1, [("OPHOT", 100)], 0, 0),
    "Unknown": (2, [("ZZZZZ", 100)], 5, 5),
}
# PATIENT SOURCE SETTING shares in thousandths (01..07).
SOURCES = {"01": 170, "02": 30, "03": 360, "04": 230, "05": 190, "06": 10, "07": 10}
# Registered GP practices (the demo ODS practices, and V81999 "practice not known") and
# PERSON GENDER CODE shares, in thousandths.
PRACTICES = {"A81001": 300, "B86001": 300, "C81010": 250, "V81999": 150}
GENDERS = {"1": 470, "2": 520, "9": 5, "0": 5}


def _lookup(weights: dict[str, int], size: int = 1000) -> pl.Series:
    total = sum(weights.values())
    values: list[str] = []
    for value, weight in weights.items():
        values += [value] * round(weight * size / total)
    values = (values + [values[-1]] * size)[:size]
    return pl.Series(values, dtype=pl.Utf8)


def _uniform(index: pl.Series, seed: int, modulus: int) -> pl.Series:
    return (index.hash(seed) % modulus).cast(pl.Int64)


def derived_records(
    periods: list[str],
    providers: list[str],
    per_provider_month: int,
    *,
    seed: int = 2026,
    with_items: bool = True,
) -> pl.DataFrame:
    """`per_provider_month` records for each provider in each period."""
    blocks = []
    offset = 0
    n = per_provider_month * len(providers)
    modality_lookup = _lookup({m: p[0] for m, p in PROFILE.items()})
    source_lookup = _lookup(SOURCES)
    practice_lookup = _lookup(PRACTICES)
    gender_lookup = _lookup(GENDERS)
    for period in periods:
        year, month = parse_period(period)
        index = pl.Series("i", range(offset, offset + n), dtype=pl.UInt64)
        offset += n
        modality = modality_lookup.gather(_uniform(index, seed, 1000))
        frame = pl.DataFrame(
            {
                "record_number": pl.Series(range(1, n + 1), dtype=pl.Int64),
                "period": pl.Series([period] * n, dtype=pl.Utf8),
                "provider_code": pl.Series(providers, dtype=pl.Utf8).gather(
                    pl.Series(range(n), dtype=pl.Int64) % len(providers)
                ),
                "modality": modality,
                "patient_source_setting": source_lookup.gather(_uniform(index, seed + 1, 1000)),
                "pick": _uniform(index, seed + 2, 100),
                "spread_a": _uniform(index, seed + 3, 1 << 20),
                "spread_b": _uniform(index, seed + 4, 1 << 20),
                "day": _uniform(index, seed + 5, 28),
                "gp_practice": practice_lookup.gather(_uniform(index, seed + 6, 1000)),
                "gender": gender_lookup.gather(_uniform(index, seed + 7, 1000)),
                "age_at_test": _uniform(index, seed + 8, 100).cast(pl.Int32),
            }
        )
        code_table = pl.DataFrame(
            [
                (m, code, low, low + share)
                for m, (_, codes, _, _) in PROFILE.items()
                for low, (code, share) in zip(
                    [sum(s for _, s in codes[:i]) for i in range(len(codes))], codes, strict=True
                )
            ],
            schema=["modality", "nicip_code", "low", "high"],
            orient="row",
        )
        waits = pl.DataFrame(
            [(m, p[2], p[3]) for m, p in PROFILE.items()],
            schema=["modality", "rtt", "ttr"],
            orient="row",
        )
        frame = (
            frame.join(code_table, on="modality", how="left")
            .filter((pl.col("pick") >= pl.col("low")) & (pl.col("pick") < pl.col("high")))
            .join(waits, on="modality", how="left")
            .with_columns(
                pl.date(year, month, 1)
                .dt.offset_by(pl.format("{}d", pl.col("day")))
                .alias("test_day"),
                (pl.col("spread_a") % (2 * pl.col("rtt") + 1))
                .cast(pl.Int32)
                .alias("days_request_to_test"),
                (pl.col("spread_b") % (2 * pl.col("ttr") + 1))
                .cast(pl.Int32)
                .alias("days_test_to_report"),
            )
            .with_columns(
                pl.col("days_request_to_test").alias("days_received_to_test"),
                pl.lit(None, dtype=pl.Utf8).alias("snomed_code"),
            )
        )
        blocks.append(frame)
    frame = pl.concat(blocks).sort(["period", "provider_code", "record_number"])
    if not with_items:
        return frame.select(
            "period",
            "provider_code",
            "modality",
            "patient_source_setting",
            "nicip_code",
            "snomed_code",
            "days_request_to_test",
            "days_test_to_report",
            "gp_practice",
            "gender",
            "age_at_test",
        )
    return full_width(frame)


def full_width(frame: pl.DataFrame) -> pl.DataFrame:
    """All 18 item columns followed by the derived columns, from a frame with at least
    period, provider_code, modality and test_day (the other person items empty)."""
    for name, dtype in (
        ("patient_source_setting", pl.Utf8),
        ("nicip_code", pl.Utf8),
        ("snomed_code", pl.Utf8),
        ("days_request_to_test", pl.Int32),
        ("days_test_to_report", pl.Int32),
        ("record_number", pl.Int64),
    ):
        if name not in frame.columns:
            frame = frame.with_columns(pl.lit(None, dtype=dtype).alias(name))
    fmt = "%Y-%m-%d"
    items = {
        "patient_source_setting": pl.col("patient_source_setting"),
        "nicip_code": pl.col("nicip_code"),
        "snomed_code": pl.col("snomed_code"),
        "test_date": pl.col("test_day").dt.strftime(fmt),
        "request_date": (
            pl.col("test_day") - pl.duration(days=pl.col("days_request_to_test"))
        ).dt.strftime(fmt),
        "request_received_date": (
            pl.col("test_day") - pl.duration(days=pl.col("days_request_to_test"))
        ).dt.strftime(fmt),
        "report_date": (
            pl.col("test_day") + pl.duration(days=pl.col("days_test_to_report"))
        ).dt.strftime(fmt),
        "site_code": pl.col("provider_code") + pl.lit("01"),
    }
    for name in ("gp_practice", "gender"):
        if name in frame.columns:
            items[name] = pl.col(name)
    columns = [items.get(c, pl.lit(None, dtype=pl.Utf8)).alias(c) for c in COLUMNS]
    derived_types = {"Int64": pl.Int64, "Int32": pl.Int32, "Date": pl.Date, "Utf8": pl.Utf8}
    derived = []
    for name, (dtype, _) in DERIVED_COLUMNS.items():
        expr = pl.col(name) if name in frame.columns else pl.lit(None)
        derived.append(expr.cast(derived_types[dtype]).alias(name))
    return frame.select(columns + derived)


def first_of(period: str) -> date:
    year, month = parse_period(period)
    return date(year, month, 1)


def item_records(counts: dict[str, int], period: str, sites: list[str]) -> pl.DataFrame:
    """Record-level DID items (the 18 columns, as strings): `counts[code]` tests with each
    NICIP code in `period`, spread evenly over `sites` and the first 28 days. For checking
    that published totals are reproduced from records."""
    year, month = parse_period(period)
    frames = []
    for code, n in counts.items():
        i = pl.int_range(0, n, dtype=pl.Int64)
        frames.append(
            pl.select(
                pl.lit(code).alias("nicip_code"),
                pl.format("{}{}", pl.lit(code), i).alias("accession_number"),
                pl.lit(sites).list.get(i % len(sites)).alias("site_code"),
                pl.format(
                    "{}-{}", pl.lit(f"{year:04d}-{month:02d}"),
                    (i % 28 + 1).cast(pl.Utf8).str.zfill(2),
                ).alias("test_date"),
            )
        )  # fmt: skip
    tests = pl.concat(frames)
    fixed = {
        "nhs_number_status": "01",
        "gender": "2",
        "patient_source_setting": "03",
        "referrer_code": "C1234567",
    }
    return tests.select(
        (pl.col(c) if c in tests.columns else pl.lit(fixed.get(c)).cast(pl.Utf8)).alias(c)
        for c in COLUMNS
    )
