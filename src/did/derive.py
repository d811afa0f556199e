"""Derivations: what the engine adds to each accepted record (did.spec.derived.DERIVED_COLUMNS).

All vectorised Polars expressions. Input: the 18 item columns as strings (and usually
record_number); output: the same frame with the derived columns appended in contract order.

- period, test_day: the month and date of the DIAGNOSTIC TEST DATE.
- provider_code: the site's parent organisation in the ODS reference data when given; else
  the first three characters of a 5-character site code (ODS sites are the organisation code
  plus two characters), or a 3-character code itself; else null (docs/adr/022).
- modality, body_region: from the imaging code reference, as NHS England does: the SNOMED CT
  code if known, else the SNOMED CT concept the NICIP code maps to, else the NICIP code's own
  row; modality "Unknown" when nothing matches. Without `codes` the bundled starter
  reference is used.
- referrer_type: from the shape of the referrer code (spec did-data-set.md §3.5).
- age_at_test: whole years from birth date to test date (null if negative or unknown).
- days_request_to_test, days_received_to_test, days_test_to_report: whole days.
"""

from typing import Any, TypeVar

import polars as pl

from did.imaging_codes import starter_codes
from did.lookup import lookup
from did.spec.derived import DERIVED_COLUMNS, MODALITIES, UNKNOWN_MODALITY

NOT_KNOWN = "Not Known"
# (referrer type, pattern) in the order they are tried; codes are trimmed and upper-cased.
REFERRER_TYPES: tuple[tuple[str, str], ...] = (
    ("Consultant", r"^C[0-9]{1,7}$"),
    ("GP", r"^(?:[GS][0-9]{1,7}|Z[ENSW][0-9]{6})$"),
    ("Dentist", r"^(?:D[0-9]{1,7}|CD[0-9]{1,6})$"),
    ("Nurse", r"^(?:[0-9]{2}[A-Z][0-9]{4}[A-Z]|N9999998)$"),
    ("Midwife", r"^M9999998$"),
    ("MoD doctor", r"^A9999998$"),
    ("Prison doctor", r"^P9999981$"),
    ("Physiotherapist", r"^PH[0-9]{1,6}$"),
    ("Chiropodist", r"^CH[0-9]{1,6}$"),
    ("Dietitian", r"^DT[0-9]{1,6}$"),
    ("Speech and language therapist", r"^SL[0-9]{1,6}$"),
    ("Other care professional", r"^H9999998$"),
    ("Other referrer", r"^R9999981$"),
)
REFERRER_TYPE_NAMES: tuple[str, ...] = (*(t for t, _ in REFERRER_TYPES), NOT_KNOWN)


Frame = TypeVar("Frame", pl.DataFrame, pl.LazyFrame)


def derive(frame: Frame, reference: Any = None, codes: pl.DataFrame | None = None) -> Frame:
    """Append DERIVED_COLUMNS to a frame of DID records (item columns as strings).

    A LazyFrame stays lazy (the engine's pipeline streams it to the record store); a
    DataFrame is derived at once. `reference` is a did.reference.Reference (its
    `organisations` frame is used) or an organisations frame with `code` and
    `parent_code`; `codes` an imaging code reference frame (did.reference.load_codes or
    did.imaging_codes.read_codes).
    """
    lazy = frame.lazy() if isinstance(frame, pl.DataFrame) else frame
    columns = lazy.collect_schema().names()
    if "record_number" not in columns:
        lazy = lazy.with_row_index("record_number", offset=1)
    # Parse each date once into a working column; the derivations then read those.
    work = lazy.with_columns(
        _date(item).alias(f"_{item}")
        for item in ("test_date", "birth_date", "request_date", "request_received_date",
                     "report_date")
    )  # fmt: skip
    test = pl.col("_test_date")
    work = _with_imaging(work, codes if codes is not None else starter_codes())
    derived = work.with_columns(
        pl.col("record_number").cast(pl.Int64),
        test.dt.strftime("%Y-%m").alias("period"),
        test.alias("test_day"),
        provider_code(_organisations(reference)).alias("provider_code"),
        pl.when(pl.col("_modality").is_in(MODALITIES))
        .then(pl.col("_modality"))
        .otherwise(pl.lit(UNKNOWN_MODALITY))
        .alias("modality"),
        pl.col("_body_region").alias("body_region"),
        referrer_type().alias("referrer_type"),
        age_in_years(pl.col("_birth_date"), test).alias("age_at_test"),
        _days_between(pl.col("_request_date"), test).alias("days_request_to_test"),
        _days_between(pl.col("_request_received_date"), test).alias("days_received_to_test"),
        _days_between(test, pl.col("_report_date")).alias("days_test_to_report"),
    )
    others = [c for c in columns if c not in DERIVED_COLUMNS]
    result = derived.select(*others, *DERIVED_COLUMNS)
    return result.collect() if isinstance(frame, pl.DataFrame) else result


def _text(column: str) -> pl.Expr:
    return pl.col(column).cast(pl.Utf8).str.strip_chars()


def _date(column: str) -> pl.Expr:
    return _text(column).str.to_date("%Y-%m-%d", strict=False)


def _days_between(earlier: pl.Expr, later: pl.Expr) -> pl.Expr:
    return (later - earlier).dt.total_days().cast(pl.Int32)


def age_in_years(birth: pl.Expr, on: pl.Expr) -> pl.Expr:
    """Whole years completed; a 29 February birthday is reached on 1 March in other years.

    Uses the CCYYMMDD-as-a-number trick: (on - birth) // 10000 counts completed years.
    """

    def number(day: pl.Expr) -> pl.Expr:
        return (
            day.dt.year().cast(pl.Int32) * 10_000
            + day.dt.month().cast(pl.Int32) * 100
            + (day.dt.day().cast(pl.Int32))
        )

    difference = number(on) - number(birth)
    return pl.when(difference >= 0).then(difference // 10_000).otherwise(None).cast(pl.Int32)


def referrer_type(column: str = "referrer_code") -> pl.Expr:
    code = _text(column).str.to_uppercase()
    expression: Any = pl
    for name, pattern in REFERRER_TYPES:
        expression = expression.when(code.str.contains(pattern)).then(pl.lit(name))
    return expression.otherwise(pl.lit(NOT_KNOWN))


def _organisations(reference: Any) -> pl.DataFrame | None:
    organisations = getattr(reference, "organisations", reference)
    if organisations is None:
        return None
    if not isinstance(organisations, pl.DataFrame):
        raise TypeError("reference must be a did.reference.Reference or a Polars DataFrame")
    return organisations


def provider_code(organisations: pl.DataFrame | None) -> pl.Expr:
    """The provider a record's site belongs to (see the module docstring): the one
    definition, read by the derivation and by the rule on who may submit for whom."""
    site = _text("site_code").str.to_uppercase()
    length = site.str.len_chars()
    from_code = (
        pl.when(length == 5).then(site.str.slice(0, 3)).when(length == 3).then(site).otherwise(None)
    )
    if organisations is None or "parent_code" not in organisations.columns:
        return from_code
    parents = organisations.select(
        pl.col("code").cast(pl.Utf8).str.strip_chars().str.to_uppercase(),
        pl.col("parent_code").cast(pl.Utf8).str.strip_chars().str.to_uppercase(),
    ).filter(pl.col("parent_code").is_not_null() & (pl.col("parent_code") != ""))
    parents = parents.unique("code", keep="first", maintain_order=True)
    parent = lookup(site, parents["code"], parents["parent_code"])
    return pl.coalesce(parent, from_code)


def _with_imaging(work: pl.LazyFrame, codes: pl.DataFrame) -> pl.LazyFrame:
    """Add _modality and _body_region: from the SNOMED CT code if known, else the concept
    the NICIP code maps to, else the NICIP code's own row."""
    table = codes.select(
        pl.col("code_system").cast(pl.Utf8).str.strip_chars().str.to_uppercase(),
        pl.col("code").cast(pl.Utf8).str.strip_chars().str.to_uppercase(),
        *(
            _blank_to_null(name) if name in codes.columns else pl.lit(None, pl.Utf8).alias(name)
            for name in ("modality", "body_region", "snomed_map")
        ),
    )
    snomed = table.filter(pl.col("code_system").str.starts_with("SNOMED")).unique(
        "code", keep="first", maintain_order=True
    )
    nicip = table.filter(pl.col("code_system") == "NICIP").unique(
        "code", keep="first", maintain_order=True
    )

    def code_lookup(key: str, rows: pl.DataFrame, column: str) -> pl.Expr:
        return lookup(pl.col(key), rows["code"], rows[column].cast(pl.Utf8))

    keys = work.with_columns(
        _text("snomed_code").alias("_s"), _text("nicip_code").str.to_uppercase().alias("_n")
    ).with_columns(code_lookup("_n", nicip, "snomed_map").alias("_mapped"))
    return keys.with_columns(
        pl.coalesce(
            code_lookup("_s", snomed, column),
            code_lookup("_mapped", snomed, column),
            code_lookup("_n", nicip, column),
        ).alias(f"_{column}")
        for column in ("modality", "body_region")
    )


def _blank_to_null(name: str) -> pl.Expr:
    text = pl.col(name).cast(pl.Utf8).str.strip_chars()
    return pl.when(text == "").then(None).otherwise(text).alias(name)
