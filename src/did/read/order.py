"""Which order a header-less CSV file's columns are in, judged from its values.

The national pipeline reads a header-less file in its submitted model's order, with the
test date before the two imaging codes (did.spec.items.COLUMNS). Some systems write the
XML schema's order instead, the codes before the test date (XML_ORDER). The two differ only
in columns 13 to 15, so a file tells which it is by where its dates are: the national
order has them in column 13, the XML order in column 15. A file is read in the XML order
only when column 15 holds dates and column 13 holds fewer; anything else (ambiguous, or
no dates at all) is read in the national order, and the report says when it was not.
"""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from did.spec.items import COLUMNS, XML_ORDER

# How many data rows the decision reads: enough to outvote a few damaged values.
SAMPLE_ROWS = 1000
_DATE = re.compile(r"^\s*[0-9]{4}-[0-9]{2}-[0-9]{2}\s*$")
_NATIONAL_TEST_DATE = COLUMNS.index("test_date")  # 0-based: column 13 of the file
_XML_TEST_DATE = XML_ORDER.index("test_date")  # column 15


@dataclass(frozen=True)
class ColumnOrder:
    columns: tuple[str, ...]  # the items in file column order
    notice: str | None = None  # for the report, when the file was not read nationally


NATIONAL = ColumnOrder(COLUMNS)
XML = ColumnOrder(
    XML_ORDER,
    notice=(
        f"Column {_XML_TEST_DATE + 1} of this file holds dates where the national CSV order "
        f"has the SNOMED CT code, and column {_NATIONAL_TEST_DATE + 1}, where the national "
        "order has the test date, does not: the file puts the NICIP and SNOMED CT codes "
        "before the test date, as the XML schema orders them. It was read in that order. "
        "The national order is: ... request received date, test date, NICIP code, SNOMED CT "
        "code, report date, site code, accession number."
    ),
)


def _dates(rows: Iterable[Sequence[str]], column: int) -> int:
    return sum(1 for row in rows if len(row) > column and _DATE.match(row[column] or ""))


def column_order(rows: Sequence[Sequence[str]]) -> ColumnOrder:
    """The order of a header-less file whose first data rows (fields as read) are `rows`."""
    sample = [row for row in rows[:SAMPLE_ROWS] if len(row) == len(COLUMNS)]
    national, xml = _dates(sample, _NATIONAL_TEST_DATE), _dates(sample, _XML_TEST_DATE)
    if xml > national and xml * 2 >= len(sample):
        return XML
    return NATIONAL
