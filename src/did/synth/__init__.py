"""Synthetic DID files: realistic valid records with errors of known rules injected.

Generation is column-wise (Polars, with pyarrow's seeded generator) a chunk at a time, so a
million records take a few seconds and ten million stay within bounded memory. The same seed
always gives the same file. `write` streams CSV or XML and writes a JSON manifest of the
injected errors beside the file (OUT + ".manifest.json").
"""

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import polars as pl

from did import __version__
from did.imaging_codes import starter_codes
from did.reference import Reference
from did.spec.items import COLUMNS
from did.synth import errors as injections
from did.synth.population import patients, providers, providers_from_reference
from did.synth.random import Streams
from did.synth.records import Plan, base_records, usable_codes
from did.synth.xml import write_xml_chunk, xml_footer, xml_header

CHUNK_ROWS = 250_000
DAYS_TO_RECEIPT = 7  # the file is taken to be sent a week after the period ends
PATIENTS_PER_RECORD = 0.7  # many people have more than one test in a month
DEFAULT_PROVIDERS = 6


def parse_period(period: str) -> tuple[dt.date, dt.date]:
    """'2025-01' -> (2025-01-01, 2025-01-31)."""
    try:
        start = dt.datetime.strptime(period, "%Y-%m").date()
    except ValueError:
        raise ValueError(f"period must be YYYY-MM, not {period!r}") from None
    following = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return start, following - dt.timedelta(days=1)


def make_plan(
    rows: int,
    period: str,
    *,
    provider_count: int = DEFAULT_PROVIDERS,
    seed: int = 0,
    codes: pl.DataFrame | None = None,
    reference: Reference | None = None,
    only: tuple[str, ...] = (),
    received: dt.date | None = None,
) -> Plan:
    """What to generate. With `reference` (did.reference), providers, sites and GP
    practices come from its organisations (see population.providers_from_reference);
    `received` is the day the file is sent (default a week after the period), after which
    no test or report is dated."""
    if rows < 1:
        raise ValueError("--rows must be at least 1")
    start, end = parse_period(period)
    received = received or end + dt.timedelta(days=DAYS_TO_RECEIPT)
    if received < end:
        raise ValueError("the file cannot be received before the end of its period")
    if reference is not None and reference.organisations is not None:
        chosen = providers_from_reference(reference.organisations, provider_count, start, end, only)
    elif only:
        raise ValueError("--provider needs --reference (the data the provider is named in)")
    else:
        chosen = providers(provider_count)
    pool = patients(max(1, round(rows * PATIENTS_PER_RECORD)), chosen, Streams(seed, "patients"))
    return Plan(
        seed=seed,
        rows=rows,
        start=start,
        end=end,
        received=received,
        providers=chosen,
        patients=pool,
        codes=usable_codes(starter_codes() if codes is None else codes, start, end),
    )


def chunks(plan: Plan, error_rate: float = 0.0) -> Iterator[tuple[pl.DataFrame, pl.DataFrame]]:
    """Yield (records, injected errors) a chunk at a time.

    records: the 18 item columns as strings plus record_number; errors: record, rule, item,
    severity.
    """
    if not 0.0 <= error_rate <= 1.0:
        raise ValueError("--error-rate must be between 0 and 1")
    context = injections.Context(plan.start, plan.end, plan.received)
    for first in range(0, plan.rows, CHUNK_ROWS):
        count = min(CHUNK_ROWS, plan.rows - first)
        frame = base_records(plan, first, count)
        n_errors = injections.errors_in_chunk(plan.rows, error_rate, first, count)
        chosen = injections.choose(plan.seed, first, count, n_errors)
        frame = frame.with_columns(
            _rule=pl.Series([None] * count, dtype=pl.Utf8).scatter(
                chosen["local"], chosen["_rule"]
            ),
            _k=pl.Series([0] * count, dtype=pl.Int64).scatter(chosen["local"], chosen["_k"]),
        )
        frame = injections.apply(frame, chosen, context, "typed")
        frame = frame.with_columns(
            (pl.col(day).dt.strftime("%Y-%m-%d").fill_null("").alias(item))
            for day, item in (
                ("birth_day", "birth_date"),
                ("request_day", "request_date"),
                ("received_day", "request_received_date"),
                ("test_day", "test_date"),
                ("report_day", "report_date"),
            )
        )
        frame = injections.apply(frame, chosen, context, "text")
        records = frame.select(*COLUMNS, (pl.col("row") + 1).alias("record_number"))
        found = chosen.select(
            record=pl.col("local") + first + 1,
            rule=pl.col("_rule"),
            item=pl.col("_rule").replace_strict(
                {i.rule: i.item for i in injections.INJECTIONS}, return_dtype=pl.Utf8
            ),
            severity=pl.col("_rule").replace_strict(
                {i.rule: i.severity for i in injections.INJECTIONS}, return_dtype=pl.Utf8
            ),
        )
        yield records, found


def generate(
    rows: int,
    period: str,
    *,
    provider_count: int = DEFAULT_PROVIDERS,
    error_rate: float = 0.0,
    seed: int = 0,
    codes: pl.DataFrame | None = None,
    **plan_options,
) -> tuple[pl.DataFrame, dict]:
    """The whole file in memory (for tests and small files) and its manifest."""
    plan = make_plan(
        rows, period, provider_count=provider_count, seed=seed, codes=codes, **plan_options
    )
    parts = list(chunks(plan, error_rate))
    records = pl.concat([p[0] for p in parts])
    found = pl.concat([p[1] for p in parts])
    return records, manifest(plan, error_rate, "memory", found)


def write(
    out: str | Path,
    rows: int,
    period: str,
    *,
    provider_count: int = DEFAULT_PROVIDERS,
    error_rate: float = 0.0,
    seed: int = 0,
    file_format: str = "csv",
    codes: pl.DataFrame | None = None,
    **plan_options,
) -> dict:
    """Write a synthetic file (header-less CSV in the national column order, or DIDS XML)
    and its manifest beside it. `plan_options` go to make_plan (reference, only,
    received)."""
    if file_format not in ("csv", "xml"):
        raise ValueError("format must be csv or xml")
    out = Path(out)
    plan = make_plan(
        rows, period, provider_count=provider_count, seed=seed, codes=codes, **plan_options
    )
    found_parts = []
    with out.open("wb") as handle:
        if file_format == "xml":
            handle.write(xml_header())
        for records, found in chunks(plan, error_rate):
            if file_format == "csv":
                # Blank fields are written empty (a,,b), not as quoted empty strings.
                records.select(
                    pl.when(pl.col(c) != "").then(pl.col(c)).alias(c) for c in COLUMNS
                ).write_csv(handle, include_header=False)
            else:
                write_xml_chunk(records, handle)
            found_parts.append(found)
        if file_format == "xml":
            handle.write(xml_footer())
    result = manifest(plan, error_rate, file_format, pl.concat(found_parts))
    manifest_path(out).write_text(json.dumps(result, indent=1) + "\n")
    return result


def manifest_path(out: str | Path) -> Path:
    return Path(f"{out}.manifest.json")


def manifest(plan: Plan, error_rate: float, file_format: str, found: pl.DataFrame) -> dict:
    counts = found.group_by("rule").len().sort("rule")
    return {
        "generator": f"did synth {__version__}",
        "seed": plan.seed,
        "rows": plan.rows,
        "period": plan.start.strftime("%Y-%m"),
        "received": plan.received.isoformat(),
        "providers": [p.code for p in plan.providers],
        "error_rate": error_rate,
        "format": file_format,
        "rule_counts": dict(zip(counts["rule"], counts["len"], strict=True)),
        "errors": found.sort("record").to_dicts(),
    }
