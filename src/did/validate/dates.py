"""The date items' helper columns: each date parsed, and its month index.

One parser reads a date item (`parse`): the CCYY-MM-DD pattern, then Polars' date parser.
The rules (checks.py) read only the helper columns built here, never the text.

Screening a whole file (checks.screen, whole_file.py) takes the same helper columns from a
memo instead (`memo`): every day from FIRST_DAY to the receipt date, its text as CCYY-MM-DD
(the one text `parse` reads as that day, as tests/did/test_dates.py checks) and its month
index. A value is looked up by casting it to an Enum of those texts (one hash probe) and
gathering its row: about a third of the cost of the parse and the month arithmetic
(docs/adr/017). A value the memo does not hold is null there, so its invalid-date rule
(DIDS005, DIDS026, DIDS036, DIDS045, DIDS061) fires and the record is checked again with
`parse`, which decides: screening never hides a record that the parser would fault. A
real date outside the memo is no loss: before 1900 it is a birth date that DIDS009
rejects; after the receipt date, a date in the future that a rule rejects anyway (test or
report date, or a date after the test's).
"""

from dataclasses import dataclass
from datetime import date
from functools import cache

import polars as pl

from did.spec.codes import DATE_PATTERN

# Date item -> the name of its parsed helper column; each also has "<helper>_month".
DATE_ITEMS = {
    "birth_date": "_birth",
    "request_date": "_request",
    "request_received_date": "_received",
    "test_date": "_test",
    "report_date": "_report",
}
# Dates with many distinct values parse faster without Polars' parse cache.
UNCACHED_DATES = {"birth_date"}
# The memo's first day: births since 1900 (DIDS009 rejects those before 2 January 1900).
FIRST_DAY = date(1900, 1, 1)
DATE_FORMAT = "%Y-%m-%d"
# The suffix of the columns holding a date item's row in the memo, when screening.
ROW = "_memo_row"


def parse(item: str) -> pl.Expr:
    """The date in `item` when it is CCYY-MM-DD and a real day, else null."""
    text = pl.col(item)
    # The pattern first: the parser alone also reads " 2025-6-01" or "+2025-6-01" (it
    # skips white space and a sign before a number), which are not CCYY-MM-DD.
    return pl.when(text.str.contains(DATE_PATTERN)).then(
        text.str.to_date(DATE_FORMAT, strict=False, cache=item not in UNCACHED_DATES)
    )


def month_index(column: str) -> pl.Expr:
    """year * 12 + month of the date in `column`: months apart is a difference."""
    day = pl.col(column)
    return day.dt.year().cast(pl.Int32) * 12 + day.dt.month().cast(pl.Int32)


@dataclass(frozen=True)
class Memo:
    """Every day from FIRST_DAY to a last day: its text, and what `parse` and
    `month_index` make of it."""

    texts: pl.Series  # CCYY-MM-DD, a day a row
    table: pl.DataFrame  # date and month (index), a row per text, in the same order
    rows: pl.Expr  # the five date items cast to their rows here, each named item + ROW


@cache
def memo(last_day: date) -> Memo:
    """The memo of the days up to `last_day`: about 46,000, built in 10 ms, most of it
    the Enum (Polars builds its hash table each time an expression casts to it, so one
    expression casts all five items)."""
    days = pl.date_range(FIRST_DAY, last_day, eager=True)
    texts = days.dt.to_string(DATE_FORMAT)
    rows = pl.col(*DATE_ITEMS).cast(pl.Enum(texts), strict=False).to_physical()
    table = pl.DataFrame({"date": days}).with_columns(month_index("date").alias("month"))
    return Memo(texts=texts, table=table, rows=rows.name.suffix(ROW))


def helpers(*, screening_until: date | None = None) -> list[list[pl.Expr]]:
    """The date helper columns, as steps of with_columns (each step reads the last's):
    parsed, or when screening, from the memo of the days up to `screening_until`."""
    if screening_until is None:
        return [
            [parse(item).alias(parsed) for item, parsed in DATE_ITEMS.items()],
            [month_index(parsed).alias(f"{parsed}_month") for parsed in DATE_ITEMS.values()],
        ]
    days = memo(max(screening_until, FIRST_DAY))
    return [
        [days.rows],
        [
            pl.lit(days.table[column]).gather(pl.col(f"{item}{ROW}")).alias(f"{parsed}{suffix}")
            for item, parsed in DATE_ITEMS.items()
            for column, suffix in (("date", ""), ("month", "_month"))
        ],
    ]
