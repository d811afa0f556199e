"""The compiled screen: one pass in C over a plain CSV file (docs/adr/013).

The Polars rules stay the only judge of a record. The screen (_screen.c) reads the file
once and flags each record on which a rule could fire, and every record whose DIDS071 key
another record shares; the flagged records alone are then read into Polars and checked by
the rules exactly as any other record. On a monthly file, where few records break a rule,
that skips most of the work of building string columns for a million records.

It is used for plain CSV files validated without keeping the records (`did validate`)
and with no rule outside SCREENED_RULES (so without reference data); the portal keeps the
records, so it scans them whole anyway.
When the extension is not built, or the file is not simple enough for it (see
_screen.c), the caller does the whole-file Polars scan instead.
"""

import io
import mmap
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from functools import cache

import polars as pl

from did.read.frame import RECORD_NUMBER
from did.read.plain import POSITIONAL, PlainCsv
from did.spec.codes import ETHNIC_CATEGORY_VALUES, GENDER, PATIENT_SOURCE_SETTING
from did.spec.items import COLUMNS
from did.spec.policy import CutOff, Policy

try:
    from did.validate import _screen
except ImportError:  # not built (see pyproject.toml): the Polars scan does the work
    _screen = None

# The record rules could_fire() in _screen.c knows. A validator with any other rule (one
# that needs reference data, or a new rule not yet taught to the screen) does not use it.
SCREENED_RULES = frozenset(
    "DIDS001 DIDS002 DIDP110 DIDS003 DIDS005 DIDS006 DIDS008 DIDS009 DIDS010 DIDS040 "
    "DIDS012 DIDS014 DIDS017 DIDP111 DIDS073 DIDS074 DIDS020 DIDS021 DIDS023 DIDP112 "
    "DIDS026 DIDS027 DIDS031 DIDS034 DIDS035 DIDS028 DIDS036 DIDS043 DIDS044 DIDS041 "
    "DIDS038 DIDS056 DIDP113 DIDP114 DIDS050 DIDS045 DIDS051 DIDS061 DIDS066 DIDS048 "
    "DIDS062 DIDS067 DIDS069 DIDS070 DIDS072 DIDS055 DIDS049".split()
)
_EPOCH = date(1970, 1, 1)


def available() -> bool:
    return _screen is not None


@cache
def _table(codes: frozenset[str]) -> bytes:
    """The screen's lookup table: byte (first << 8 | second) is 1 for each allowed code."""
    table = bytearray(1 << 16)
    for code in codes:
        raw = code.encode("ascii")
        table[raw[0] << 8 | (raw[1] if len(raw) == 2 else 0)] = 1
    return bytes(table)


def _cut_off_months(policy: Policy) -> int:
    """Months back from the receipt month at which a test date is flagged. The DSP bands
    (from 4 months, with a day fraction) are screened a month early: the rules decide."""
    return 4 if policy.cut_off is CutOff.PORTAL_3_MONTHS else 3


@dataclass(frozen=True)
class Screened:
    """The outcome of screening one file: how many records, and which are flagged (a
    byte per record, 1 where the rules must check it)."""

    plain: PlainCsv
    records: int
    flags: bytes

    def flagged(self, slice_records: int) -> Iterator[pl.DataFrame]:
        """The flagged records as read (record_number + the 18 items), a slice at a time."""
        plain = self.plain
        with (
            plain.path.open("rb") as handle,
            mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data,
        ):
            offset, first = _start(plain), 0
            while first < self.records:
                text, offset, first = _screen.flagged_lines(
                    data, offset, self.flags, first, slice_records, True
                )
                if text:
                    yield _frame(text, plain)


def _start(plain: PlainCsv) -> int:
    return plain.bom + len(plain.header)


def _frame(text: bytes, plain: PlainCsv) -> pl.DataFrame:
    frame = pl.read_csv(
        io.BytesIO(text),
        has_header=False,
        schema={RECORD_NUMBER: pl.Int64(), **dict.fromkeys(POSITIONAL, pl.String())},
        quote_char=None,
    )
    return plain.named(frame).select(RECORD_NUMBER, *COLUMNS)


def screen(plain: PlainCsv, *, received: date, policy: Policy) -> Screened | None:
    """Screen the file; None when the screen is not built or the file is not simple
    enough for it."""
    if _screen is None:
        return None
    order = bytes(COLUMNS.index(item) for item in plain.order)
    with (
        plain.path.open("rb") as handle,
        mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data,
    ):
        outcome = _screen.screen(
            data,
            _start(plain),
            order,
            _table(frozenset(policy.nhs_number_statuses)),
            _table(ETHNIC_CATEGORY_VALUES),
            _table(frozenset(GENDER)),
            _table(frozenset(PATIENT_SOURCE_SETTING)),
            (received - _EPOCH).days,
            received.year * 12 + received.month,
            _cut_off_months(policy),
            policy.nhs_number_palindrome_check,
            True,  # a file mapping: the screen lets its pages go once read
        )
    if outcome is None:
        return None
    records, flags = outcome
    return Screened(plain, records, flags) if records else None
