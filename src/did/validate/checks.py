"""Each record rule as a Polars boolean expression: True where the rule fires.

The expressions run over a *work* frame: the records frame (items trimmed, blanks null,
NHS number normalised) plus parsed dates and normalised helper columns, all built
column-wise by `prepare`. Nothing here loops over records in Python.
"""

from datetime import date
from typing import TypeVar

import polars as pl

from did.spec.codes import (
    GENDER,
    NICIP_PATTERN,
    PATIENT_SOURCE_SETTING,
    POSTCODE_AS_GIVEN_PATTERN,
    PSEUDO_POSTCODE_AS_GIVEN_PATTERN,
    REFERRER_CODE_PATTERN,
    SITE_CODE_PATTERN,
)
from did.spec.items import COLUMNS
from did.spec.policy import CutOff, Policy
from did.validate import dates
from did.validate.dates import DATE_ITEMS
from did.validate.identifiers import (
    modulus_11_check_digit,
    nhs_number_fails_modulus_11,
    nhs_number_is_palindrome,
    ten_digits,
)

Frame = TypeVar("Frame", pl.DataFrame, pl.LazyFrame)

# What the NHS number loses before it is checked: every white-space character and hyphen.
NHS_NUMBER_SEPARATORS = r"[\s\-]"
IDENTIFIERS = ("nhs_number", "birth_date", "ethnic_category", "gender", "postcode", "gp_practice")


def normalise(frame: Frame) -> Frame:
    """The records frame: items trimmed, blank as null, NHS number without white space or
    hyphens anywhere (as the national pipeline strips it).

    Other columns (record_number) pass through unchanged."""
    nhs = pl.col("nhs_number").str.replace_all(NHS_NUMBER_SEPARATORS, "")
    trimmed = frame.with_columns(
        nhs if c == "nhs_number" else pl.col(c).str.strip_chars() for c in COLUMNS
    )
    # String views store their length, so this second pass only reads the views.
    return trimmed.with_columns(
        pl.when(pl.col(c).str.len_bytes() == 0).then(None).otherwise(pl.col(c)).alias(c)
        for c in COLUMNS
    )


# Items each of whose values, as read, either equals its trimmed self in every rule or
# fires a rule of its own if it has white space around it (a code list, an anchored
# pattern, a ten-digit number, a CCYY-MM-DD date; the postcode pattern allows spaces
# anywhere). screen() leaves them untrimmed: trimming every value is the dearest step of
# all, and records that fire a rule are checked again, fully normalised. Not here: items
# checked only by length (GP practice, referring organisation, site, accession number),
# which a padded value can pass, and SNOMED CT (its check trims).
CHECKED_AS_READ = (
    "nhs_number",
    "nhs_number_status",
    "birth_date",
    "ethnic_category",
    "gender",
    "postcode",
    "patient_source_setting",
    "referrer_code",
    "request_date",
    "request_received_date",
    "nicip_code",
    "test_date",
    "report_date",
)


def screen(frame: Frame) -> Frame:
    """normalise() for screening: the items of CHECKED_AS_READ as read (blank as null),
    the others trimmed. A record on which no rule fires here fires none when normalised;
    one on which a rule fires must be checked again from normalise(), where it may pass."""
    trimmed = frame.with_columns(
        pl.col(c).str.strip_chars() for c in COLUMNS if c not in CHECKED_AS_READ
    )
    return trimmed.with_columns(
        pl.when(pl.col(c).str.len_bytes() == 0).then(None).otherwise(pl.col(c)).alias(c)
        for c in COLUMNS
    )


def prepare(records: pl.LazyFrame, *, screening_until: date | None = None) -> pl.LazyFrame:
    """Add parsed dates and normalised helper columns (all named with a leading _).

    Helpers that several rules share are materialised here, once: Polars does not
    reliably reuse a sub-expression repeated inside one expression tree. When screening
    (see screen), the dates come from the memo of the days up to `screening_until`, the
    receipt date (did.validate.dates).
    """
    parsed_dates, month_indexes = dates.helpers(screening_until=screening_until)
    return records.with_columns(
        ten_digits("nhs_number").alias("_nhs_digits"),
        *parsed_dates,
        pl.col("postcode")
        .str.replace_all(" ", "", literal=True)
        .str.to_uppercase()
        .alias("_postcode"),
        pl.col("nicip_code").str.to_uppercase().alias("_nicip"),
        pl.col("gp_practice").str.to_uppercase().alias("_gp"),
        pl.col("referring_org").str.to_uppercase().alias("_referring_org"),
        pl.col("site_code").str.to_uppercase().alias("_site"),
    ).with_columns(
        modulus_11_check_digit("_nhs_digits").alias("_nhs_check"),
        *month_indexes,
    )


def _invalid_date(item: str) -> pl.Expr:
    return pl.col(item).is_not_null() & pl.col(DATE_ITEMS[item]).is_null()


def _more_than_a_month_after(later: str, earlier: str) -> pl.Expr:
    """later > earlier + 1 calendar month (31 January + 1 month = 28/29 February).

    By month index and day, which costs a quarter of dt.offset_by: in the next month
    exactly, a later day of the month is more than a month after (a day the next month
    does not have, such as the 31st, cannot be exceeded there).
    """
    months = pl.col(f"{later}_month") - pl.col(f"{earlier}_month")
    later_day = pl.col(later).dt.day()
    return (months > 1) | ((months == 1) & (later_day > pl.col(earlier).dt.day()))


def site_code_malformed() -> pl.Expr:
    """DIDS069: a site code that is not 5 to 12 letters or digits (DIDS068 checks the
    others against the reference data)."""
    site = pl.col("site_code")
    return site.is_not_null() & ~site.str.contains(SITE_CODE_PATTERN)


def _length_outside(item: str, low: int, high: int) -> pl.Expr:
    length = pl.col(item).str.len_chars()
    return pl.col(item).is_not_null() & ((length < low) | (length > high))


def _cut_off_masks(received: date, policy: Policy) -> dict[str, pl.Expr]:
    received_month = received.year * 12 + received.month
    months_back = pl.lit(received_month, dtype=pl.Int32) - pl.col("_test_month")
    if policy.cut_off is CutOff.PORTAL_3_MONTHS:
        # A file received in August may hold May, June and July: April or earlier is rejected.
        return {"DIDS055": months_back >= 4, "DIDS049": pl.lit(False)}
    # DSP: months_between(last day of the receipt month, test date), as Spark computes it:
    # whole months when both are month-ends, else months plus a day difference over 31.
    next_month = date(received.year + received.month // 12, received.month % 12 + 1, 1)
    last_day = (date.fromordinal(next_month.toordinal() - 1)).day
    test_is_month_end = pl.col("_test").dt.month_end() == pl.col("_test")
    fraction = (pl.lit(last_day) - pl.col("_test").dt.day().cast(pl.Int32)) / 31.0
    between = months_back + pl.when(test_is_month_end).then(0.0).otherwise(fraction)
    return {"DIDS055": between >= 7, "DIDS049": (between >= 4) & (between < 7)}


def _period_index(period: str) -> int:
    """The month index (year * 12 + month) of a reporting period "YYYY-MM"."""
    year, month = period.split("-")
    return int(year) * 12 + int(month)


def period_masks(period: str | None, other_months_allowed: bool) -> dict[str, pl.Expr]:
    """The reporting-period rule: every test date in the month the file was sent for.

    DIDP115 (error) where the service takes one month a file, else DIDP116 (warning)."""
    if period is None:
        return {}
    outside = pl.col("_test").is_not_null() & (pl.col("_test_month") != _period_index(period))
    return {"DIDP116" if other_months_allowed else "DIDP115": outside}


def _nhs_number_masks(policy: Policy) -> dict[str, pl.Expr]:
    nhs = pl.col("nhs_number")
    wrong_length = nhs.is_not_null() & (nhs.str.len_chars() != 10)
    fails_check = nhs_number_fails_modulus_11("_nhs_digits", "_nhs_check")
    if policy.nhs_number_national_check:
        # As the pipeline codes DIDS001: not ten digits, the palindrome test, or the check.
        dids001 = nhs.is_not_null() & (
            wrong_length | nhs_number_is_palindrome("nhs_number") | fails_check
        )
    else:
        dids001 = nhs.is_not_null() & (nhs.str.len_chars() == 10) & fails_check
    return {"DIDS002": wrong_length, "DIDS001": dids001}


def record_masks(received: date, policy: Policy) -> dict[str, pl.Expr]:
    """Rule code -> expression that is True where that rule fires (nulls mean no)."""
    col = pl.col
    birth, request, rec, test, report = (col(v) for v in DATE_ITEMS.values())
    received_lit = pl.lit(received, dtype=pl.Date)
    masks: dict[str, pl.Expr] = {
        **_nhs_number_masks(policy),
        "DIDS003": col("nhs_number_status").is_not_null()
        & ~col("nhs_number_status").is_in(sorted(policy.nhs_number_statuses)),
        "DIDS005": _invalid_date("birth_date"),
        "DIDS006": birth > test,
        "DIDS008": birth > report,
        "DIDS009": birth < pl.lit(date(1900, 1, 2)),
        "DIDS010": (col("_birth_month") - col("_request_month")) > 6,
        "DIDS040": (col("_birth_month") - col("_received_month")) > 6,
        "DIDS012": col("ethnic_category").is_not_null()
        & ~col("ethnic_category").is_in(sorted(policy.ethnic_categories)),
        "DIDS014": col("gender").is_not_null() & ~col("gender").is_in(list(GENDER)),
        "DIDS017": col("postcode").is_not_null()
        & ~col("postcode").str.contains(POSTCODE_AS_GIVEN_PATTERN),
        "DIDP111": _length_outside("gp_practice", 3, 12),
        "DIDS073": pl.all_horizontal(col(c).is_null() for c in IDENTIFIERS),
        "DIDS074": pl.all_horizontal(col(c).is_null() for c in IDENTIFIERS if c != "postcode")
        & col("postcode").str.contains(PSEUDO_POSTCODE_AS_GIVEN_PATTERN),
        "DIDS020": col("patient_source_setting").is_null(),
        "DIDS021": col("patient_source_setting").is_not_null()
        & ~col("patient_source_setting").is_in(list(PATIENT_SOURCE_SETTING)),
        "DIDS023": col("referrer_code").is_not_null()
        & ~col("referrer_code").str.contains(REFERRER_CODE_PATTERN),
        "DIDP112": _length_outside("referring_org", 3, 12),
        "DIDS026": _invalid_date("request_date"),
        "DIDS027": request > rec,
        "DIDS031": request < pl.lit(date(1970, 1, 1)),
        "DIDS034": request > test,
        "DIDS035": request > report,
        "DIDS028": (test - request).dt.total_days() > 365,
        "DIDS036": _invalid_date("request_received_date"),
        "DIDS043": rec > test,
        "DIDS044": rec > report,
        "DIDS041": rec < pl.lit(date(1970, 1, 1)),
        "DIDS038": (test - rec).dt.total_days() > 365,
        "DIDS056": col("nicip_code").is_null() & col("snomed_code").is_null(),
        "DIDP113": col("nicip_code").is_not_null() & ~col("nicip_code").str.contains(NICIP_PATTERN),
        "DIDS050": col("test_date").is_null(),
        "DIDS045": _invalid_date("test_date"),
        "DIDS051": test > received_lit,
        "DIDS061": _invalid_date("report_date"),
        "DIDS066": report > received_lit,
        "DIDS048": report < test,
        "DIDS062": _more_than_a_month_after("_report", "_test"),
        "DIDS067": col("site_code").is_null(),
        "DIDS069": site_code_malformed(),
        "DIDS070": col("accession_number").is_null(),
        "DIDS072": col("accession_number").str.len_chars() > 20,
    }
    masks.update(_cut_off_masks(received, policy))
    return masks
