"""Errors of known rules, injected into valid synthetic records.

Each injection breaks exactly one rule and keeps every other rule satisfied (that is why
some also move a neighbouring date: a report before the test also needs the request before
it). A record gets at most one injection. Rules that need reference data (ODS, postcodes,
NICIP/SNOMED CT validity) are not injected: without the reference they cannot fire.

An injection is a set of column updates, applied to the selected rows only: "typed" updates
act on the Date columns before they become text, "text" updates on the final strings.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl

from did.synth.random import Streams

Updates = Callable[["Context"], dict[str, pl.Expr]]


@dataclass(frozen=True)
class Context:
    start: dt.date
    end: dt.date
    received: dt.date


def _days(n: int) -> pl.Expr:
    return pl.duration(days=n)


def _invalid_date(day_column: str, month_day: str) -> pl.Expr:
    """A well-formed but impossible date in the same year, e.g. 2024-02-30."""
    return pl.col(day_column).dt.year().cast(pl.Utf8) + pl.lit(month_day)


@dataclass(frozen=True)
class Injection:
    rule: str
    item: str
    typed: Updates | None = None
    text: Updates | None = None
    severity: str = "error"
    note: str = field(default="", compare=False)


T, R, B = "test_day", "request_day", "received_day"
REPORT, BIRTH = "report_day", "birth_day"

INJECTIONS: tuple[Injection, ...] = (
    Injection("DIDS001", "nhs_number", text=lambda c: {
        # Another last digit: the modulus 11 check digit is unique, so any other fails.
        "nhs_number": pl.col("nhs_full").str.slice(0, 9)
        + ((pl.col("nhs_full").str.slice(9, 1).cast(pl.Int64) + 1 + pl.col("_k") % 9) % 10)
        .cast(pl.Utf8)}),
    Injection("DIDS002", "nhs_number", text=lambda c: {
        "nhs_number": pl.col("nhs_full").str.slice(0, 9)}),
    Injection("DIDS003", "nhs_number_status", text=lambda c: {"nhs_number_status": pl.lit("09")}),
    Injection("DIDS005", "birth_date", text=lambda c: {
        "birth_date": _invalid_date("birth_full", "-02-30")}),
    Injection("DIDS006", "birth_date", typed=lambda c: {
        BIRTH: pl.col(T) + _days(1), R: pl.col(T), B: pl.col(T),
        REPORT: pl.lit(None, dtype=pl.Date)}),
    Injection("DIDS009", "birth_date", typed=lambda c: {BIRTH: pl.lit(dt.date(1899, 12, 31))}),
    Injection("DIDS012", "ethnic_category", text=lambda c: {"ethnic_category": pl.lit("Q")}),
    Injection("DIDS014", "gender", text=lambda c: {"gender": pl.lit("3")}),
    Injection("DIDS017", "postcode", text=lambda c: {"postcode": pl.lit("UNKNOWN")}),
    Injection("DIDS020", "patient_source_setting", text=lambda c: {
        "patient_source_setting": pl.lit("")}),
    # The leading zero is required: "1" is not accepted (spec §1.2 item 8).
    Injection("DIDS021", "patient_source_setting", text=lambda c: {
        "patient_source_setting": pl.col("patient_source_setting").str.slice(1)}),
    Injection("DIDS023", "referrer_code", severity="warning", text=lambda c: {
        "referrer_code": pl.lit("DR JONES")}),
    Injection("DIDS026", "request_date", text=lambda c: {
        "request_date": _invalid_date(R, "-13-01")}),
    Injection("DIDS027", "request_date", typed=lambda c: {B: pl.col(R) - _days(1)}),
    Injection("DIDS028", "request_date", severity="warning", typed=lambda c: {
        R: pl.col(T) - _days(400), B: pl.col(T) - _days(10),
        BIRTH: pl.min_horizontal(pl.col(BIRTH), pl.col(T) - _days(401)),
        "birth_full": pl.min_horizontal(pl.col(BIRTH), pl.col(T) - _days(401))}),
    Injection("DIDS036", "request_received_date", text=lambda c: {
        "request_received_date": _invalid_date(B, "-00-10")}),
    Injection("DIDS043", "request_received_date", typed=lambda c: {
        B: pl.col(T) + _days(1), REPORT: pl.lit(None, dtype=pl.Date)}),
    Injection("DIDS045", "test_date", text=lambda c: {"test_date": _invalid_date(T, "-02-31")}),
    Injection("DIDS048", "report_date", typed=lambda c: {
        REPORT: pl.col(T) - _days(1),
        B: pl.min_horizontal(pl.col(B), pl.col(T) - _days(1)),
        R: pl.min_horizontal(pl.col(R), pl.col(T) - _days(1)),
        BIRTH: pl.min_horizontal(pl.col(BIRTH), pl.col(T) - _days(1)),
        "birth_full": pl.min_horizontal(pl.col(BIRTH), pl.col(T) - _days(1))}),
    Injection("DIDS050", "test_date", typed=lambda c: {T: pl.lit(None, dtype=pl.Date)}),
    Injection("DIDS051", "test_date", typed=lambda c: {
        T: pl.lit(c.received + dt.timedelta(days=3)), REPORT: pl.lit(None, dtype=pl.Date)}),
    Injection("DIDS056", "nicip_code", text=lambda c: {
        "nicip_code": pl.lit(""), "snomed_code": pl.lit("")}),
    Injection("DIDS061", "report_date", text=lambda c: {
        "report_date": _invalid_date(T, "-04-31")}),
    Injection("DIDS062", "report_date", severity="warning", typed=lambda c: {
        T: pl.lit(c.start), REPORT: pl.lit(c.start + dt.timedelta(days=33)),
        R: pl.min_horizontal(pl.col(R), pl.lit(c.start)),
        B: pl.min_horizontal(pl.col(B), pl.lit(c.start)),
        BIRTH: pl.min_horizontal(pl.col(BIRTH), pl.col(R), pl.lit(c.start)),
        "birth_full": pl.min_horizontal(pl.col(BIRTH), pl.col(R), pl.lit(c.start))}),
    Injection("DIDS066", "report_date", typed=lambda c: {
        T: pl.lit(c.end), REPORT: pl.lit(c.received + dt.timedelta(days=1))}),
    Injection("DIDS067", "site_code", text=lambda c: {"site_code": pl.lit("")}),
    Injection("DIDS069", "site_code", text=lambda c: {
        "site_code": pl.col("site_code").str.slice(0, 3)}),
    Injection("DIDS070", "accession_number", text=lambda c: {"accession_number": pl.lit("")}),
    # DIDS071 is handled apart: it copies the key of an earlier clean record.
    Injection("DIDS071", "accession_number"),
    Injection("DIDS072", "accession_number", text=lambda c: {
        "accession_number": pl.col("accession_number").str.pad_end(21, "0")}),
    Injection("DIDS073", "record", text=lambda c: {
        name: pl.lit("") for name in (
            "nhs_number", "birth_date", "ethnic_category", "gender", "postcode", "gp_practice")}),
    Injection("DIDS074", "record", text=lambda c: {
        name: pl.lit("") for name in (
            "nhs_number", "birth_date", "ethnic_category", "gender", "gp_practice")}
        | {"postcode": pl.lit("ZZ99 3VZ")}),
)  # fmt: skip
BY_RULE = {i.rule: i for i in INJECTIONS}


def errors_in_chunk(rows: int, rate: float, first: int, count: int) -> int:
    """How many errors fall in the chunk starting at `first`: exact over the whole file."""
    return round(rate * (first + count)) - round(rate * first)


def choose(seed: int, first: int, count: int, errors: int) -> pl.DataFrame:
    """Pick `errors` distinct rows (never the chunk's first) and give each a rule.

    Rules are dealt round-robin in a random order of the rows, so every rule appears as soon
    as there are as many errors as rules.
    """
    if errors == 0:
        return pl.DataFrame(schema={"local": pl.Int64, "_rule": pl.Utf8, "_k": pl.Int64})
    if errors > count - 1:
        raise ValueError("--error-rate is too high: at most one error per record")
    s = Streams(seed, "errors", first)
    order = s.uniform("rows", count - 1).arg_sort().head(errors).cast(pl.Int64) + 1
    deal = s.integers("deal", 1, len(INJECTIONS))[0]
    rules = [INJECTIONS[(deal + j) % len(INJECTIONS)].rule for j in range(errors)]
    return pl.DataFrame(
        {"local": order, "_rule": rules, "_k": s.integers("variant", errors, 1_000_000)}
    ).sort("local")


def apply(frame: pl.DataFrame, chosen: pl.DataFrame, context: Context, stage: str) -> pl.DataFrame:
    """Apply the chosen injections of one stage ("typed" or "text") to a chunk."""
    rules = set(chosen["_rule"].to_list()) if chosen.height else set()
    for injection in INJECTIONS:
        updates_of = getattr(injection, stage)
        if injection.rule not in rules or updates_of is None:
            continue
        hit = pl.col("_rule") == injection.rule
        frame = frame.with_columns(
            pl.when(hit).then(expr).otherwise(pl.col(name)).alias(name)
            for name, expr in updates_of(context).items()
        )
    if stage == "text" and "DIDS071" in rules:
        frame = _duplicate_keys(frame)
    return frame


def _duplicate_keys(frame: pl.DataFrame) -> pl.DataFrame:
    """Give each DIDS071 row the site and accession number of the nearest earlier clean row."""
    clean = frame.select(pl.arg_where(pl.col("_rule").is_null())).to_series().cast(pl.Int64)
    targets = frame.select(pl.arg_where(pl.col("_rule") == "DIDS071")).to_series()
    sources = clean.gather(clean.search_sorted(targets.cast(pl.Int64)).cast(pl.Int64) - 1)
    source_index = pl.int_range(0, frame.height, eager=True, dtype=pl.Int64)
    source_index.scatter(targets, sources)
    return frame.with_columns(
        site_code=pl.col("site_code").gather(source_index),
        accession_number=pl.col("accession_number").gather(source_index),
    )
