"""The submission calendar: reporting periods, the window, the publication cut-off.

A reporting period is the calendar month of the imaging test date ("YYYY-MM"). National
defaults (spec did-data-set.md §4): files for a period are accepted until the last day of
the month after it, and those received by the 26th of that month make the monthly
publication. Both are settings (SUBMISSIONS_WINDOW_MONTHS, SUBMISSIONS_PUBLICATION_CUTOFF_DAY).
The age cut-off for old records is the engine's rule (DIDS055/DIDS049), not repeated here.
"""

import calendar as _calendar
import re
from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.utils import timezone

from portal.submissions.models import Timeliness

_PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


class InvalidPeriod(ValueError):
    pass


def parse_period(period: str) -> date:
    """The first day of a "YYYY-MM" period."""
    match = _PERIOD.match(period or "")
    if not match:
        raise InvalidPeriod(f"{period!r} is not a reporting period like 2026-10")
    return date(int(match.group(1)), int(match.group(2)), 1)


def period_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def add_months(first_of_month: date, months: int) -> date:
    index = first_of_month.year * 12 + first_of_month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def last_day(first_of_month: date) -> date:
    days = _calendar.monthrange(first_of_month.year, first_of_month.month)[1]
    return first_of_month.replace(day=days)


def today() -> date:
    return timezone.localdate()


def last_month(on: date | None = None) -> str:
    on = on or today()
    return period_of(add_months(on.replace(day=1), -1))


def recent_periods(on: date | None = None, count: int = 7) -> list[str]:
    """The periods a submitter may choose, newest first: this month and the ones before."""
    first = (on or today()).replace(day=1)
    return [period_of(add_months(first, -i)) for i in range(count)]


def choosable_periods(on: date | None = None, count: int = 7) -> list[str]:
    """The periods a submitter may choose, in the order offered: the last finished month
    first and the ones before it, then this month (not over yet, so last)."""
    first = (on or today()).replace(day=1)
    finished = [period_of(add_months(first, -i)) for i in range(1, count)]
    return [*finished, period_of(first)]


def is_unfinished(period: str, on: date | None = None) -> bool:
    return parse_period(period) >= (on or today()).replace(day=1)


def period_label(period: str) -> str:
    return parse_period(period).strftime("%B %Y")


@dataclass(frozen=True)
class Deadlines:
    period: str
    publication_cutoff: date
    window_closes: date


def deadlines(period: str) -> Deadlines:
    first = parse_period(period)
    month_after = add_months(first, 1)
    cutoff_day = min(settings.SUBMISSIONS_PUBLICATION_CUTOFF_DAY, last_day(month_after).day)
    closes = last_day(add_months(first, settings.SUBMISSIONS_WINDOW_MONTHS))
    return Deadlines(period, month_after.replace(day=cutoff_day), closes)


def timeliness(period: str, received: datetime | date) -> str:
    """On time (in the publication), after the publication cut-off, or late (window closed)."""
    day = received if isinstance(received, date) and not isinstance(received, datetime) else None
    if day is None:
        day = timezone.localtime(received).date()
    limits = deadlines(period)
    if day > limits.window_closes:
        return Timeliness.LATE
    if day > limits.publication_cutoff:
        return Timeliness.AFTER_PUBLICATION_CUTOFF
    return Timeliness.ON_TIME
