"""The date helpers: the one parser, and the memo that screening reads instead.

Screening (checks.screen) takes each date item's parsed date and month index from a memo
of the days from 1900 to the receipt date (did.validate.dates). It must agree with the
parser wherever it holds a value, and hold every real day in its range; where it holds
nothing the invalid-date rule fires and the record is checked again with the parser
(tests/did/test_rule_edges.py compares whole reports both ways).
"""

from datetime import date, timedelta

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from did.validate.dates import DATE_ITEMS, FIRST_DAY, helpers, memo, month_index, parse

LAST_DAY = date(2026, 10, 15)


def test_the_memo_holds_what_the_parser_reads_for_every_day_in_its_range():
    days = memo(LAST_DAY)
    parsed = pl.DataFrame({"text": days.texts}).select(parse("text").alias("date"))
    parsed = parsed.with_columns(month_index("date").alias("month"))
    assert parsed.equals(days.table)
    assert days.table["date"].is_not_null().all()
    assert days.table["date"][0] == FIRST_DAY and days.table["date"][-1] == LAST_DAY
    assert days.table.height == (LAST_DAY - FIRST_DAY).days + 1


def _helper_columns(values: list[str | None], *, screening_until: date | None) -> pl.DataFrame:
    frame = pl.LazyFrame(
        {item: values for item in DATE_ITEMS}, schema=dict.fromkeys(DATE_ITEMS, pl.String)
    )
    for step in helpers(screening_until=screening_until):
        frame = frame.with_columns(step)
    helper_columns = [
        name for parsed in DATE_ITEMS.values() for name in (parsed, f"{parsed}_month")
    ]
    # Days since 1970 as integers: the parser reads year 0, which Python's date cannot hold.
    return frame.select(pl.col(helper_columns).to_physical()).collect(engine="streaming")


def _days_since_1970(day: date) -> int:
    return (day - date(1970, 1, 1)).days


DAYS = st.dates(date(1, 1, 1), date(9999, 12, 31))
TEXTS = st.one_of(
    DAYS.map(date.isoformat),
    st.dates(FIRST_DAY - timedelta(days=3), FIRST_DAY + timedelta(days=3)).map(date.isoformat),
    st.dates(LAST_DAY - timedelta(days=3), LAST_DAY + timedelta(days=3)).map(date.isoformat),
    st.text("0123456789-+ /", max_size=12),
    st.sampled_from(["2026-02-29", "2024-02-29", "2026-9-10", " 2026-09-10", "2026-09-10 ",
                     "+2026-09-10", "0000-01-01", "2026-13-01", "2026-09-00", ""]),
    st.none(),
)  # fmt: skip


@given(st.lists(TEXTS, min_size=1, max_size=40))
def test_screening_agrees_with_the_parser_in_the_memo_and_is_null_outside_it(values):
    exact = _helper_columns(values, screening_until=None)
    screened = _helper_columns(values, screening_until=LAST_DAY)
    first, last = (_days_since_1970(day) for day in (FIRST_DAY, LAST_DAY))
    for parsed in DATE_ITEMS.values():
        for value, real, memo_day, real_month, memo_month in zip(
            values,
            exact[parsed],
            screened[parsed],
            exact[f"{parsed}_month"],
            screened[f"{parsed}_month"],
            strict=True,
        ):
            if real is not None and first <= real <= last:
                assert (memo_day, memo_month) == (real, real_month), value
            else:
                # Null: the invalid-date rule fires and the parser decides on a second look.
                assert (memo_day, memo_month) == (None, None), value
