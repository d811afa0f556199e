"""Reporting periods, release windows and the publication calendar (ADR 053).

A period is a calendar month written YYYY-MM. A monthly release is provisional and covers
the rolling 13 months ending with its latest month; the annual release is final and
covers a financial year, April to March.
"""

import calendar
import re
from dataclasses import dataclass
from datetime import date

PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
PROVISIONAL = "provisional"
FINAL = "final"


def parse_period(text: str) -> tuple[int, int]:
    match = PERIOD.match(text or "")
    if not match:
        raise ValueError(f"{text!r} is not a period: write it as YYYY-MM, for example 2026-03")
    return int(match.group(1)), int(match.group(2))


def shift(period: str, months: int) -> str:
    year, month = parse_period(period)
    index = year * 12 + (month - 1) + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def periods_between(start: str, end: str) -> list[str]:
    out, current = [], start
    while current <= end:
        out.append(current)
        current = shift(current, 1)
    return out


@dataclass(frozen=True)
class Window:
    start: str
    end: str
    kind: str = PROVISIONAL

    def __post_init__(self):
        parse_period(self.start)
        parse_period(self.end)
        if self.start > self.end:
            raise ValueError(f"the window starts ({self.start}) after it ends ({self.end})")
        if self.kind not in (PROVISIONAL, FINAL):
            raise ValueError(f"a release is {PROVISIONAL} or {FINAL}, not {self.kind!r}")

    @property
    def periods(self) -> list[str]:
        return periods_between(self.start, self.end)

    @property
    def name(self) -> str:
        """The release's name: `2026-03-provisional` or `2025-26-final`."""
        if self.kind == FINAL:
            return f"{self.start[:4]}-{self.end[2:4]}-final"
        return f"{self.end}-provisional"


def monthly_window(period: str) -> Window:
    """The provisional monthly release whose latest month is `period`: 13 months."""
    return Window(shift(period, -12), period, PROVISIONAL)


def annual_window(first_year: int) -> Window:
    """The final annual release for the financial year starting April `first_year`."""
    return Window(f"{first_year:04d}-04", f"{first_year + 1:04d}-03", FINAL)


def second_thursday(year: int, month: int) -> date:
    weeks = calendar.Calendar().monthdatescalendar(year, month)
    thursdays = [week[3] for week in weeks if week[3].month == month]
    return thursdays[1]


def monthly_publication_date(period: str) -> date:
    """Data for month M are due by the 26th of M+1 and published on the second Thursday
    of M+2 (ADR 053)."""
    year, month = parse_period(shift(period, 2))
    return second_thursday(year, month)


def annual_publication_date(first_year: int) -> date:
    """The final figures for April Y to March Y+1 are published on the second Thursday of
    November Y+1, after late submissions for March have been taken in."""
    return second_thursday(first_year + 1, 11)


@dataclass(frozen=True)
class CalendarEntry:
    publication_date: date
    window: Window


def release_calendar(today: date, months_ahead: int = 12) -> list[CalendarEntry]:
    """Upcoming releases (publication date on or after today), earliest first."""
    entries = []
    latest = f"{today.year:04d}-{today.month:02d}"
    for offset in range(-3, months_ahead):
        period = shift(latest, offset)
        day = monthly_publication_date(period)
        if day >= today:
            entries.append(CalendarEntry(day, monthly_window(period)))
    for first_year in (today.year - 1, today.year):
        day = annual_publication_date(first_year)
        if today <= day and len(entries) and day <= entries[-1].publication_date:
            entries.append(CalendarEntry(day, annual_window(first_year)))
    return sorted(entries, key=lambda e: (e.publication_date, e.window.kind))
