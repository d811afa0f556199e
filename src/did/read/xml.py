"""Streaming, safe XML reader for the DIDS schema (spec did-data-set.md §2.2).

Each ImagingActivity becomes one record carrying its DIDSRecord's patient and referral
details; record numbers are the 1-based positions of the ImagingActivity elements in the
document. The standard library's expat parser calls two small handlers per element (no
tree is built, so memory is bounded by the batch size); character data is collected only
while a text item is open, so the white space between elements costs nothing.

Safety: a document type declaration or an entity declaration stops the parse at once
(DIDP106: a DTD is the only place an entity can be declared, so billion-laughs and XXE
cannot start); parameter entities are never parsed and no external entity is ever fetched;
an undefined entity reference is a well-formedness error; any value longer than
MAX_VALUE_CHARS rejects the file.
"""

import operator
import pyexpat
from collections.abc import Generator, Iterable, Iterator
from pathlib import Path

import polars as pl

from did.read.errors import FileRejected
from did.read.frame import RECORD_NUMBER
from did.spec.items import COLUMNS, ITEMS

BATCH_RECORDS = 100_000
# No DID item is longer than 20 characters; a value far longer is not DID data (a 50 MB
# attribute once took 52 s and 2 GB), and rejects the file, as a line over 64 KiB does.
MAX_VALUE_CHARS = 64 << 10
_READ_BYTES = 1 << 20

# element name -> (column, where its value is: "text", "code", "extension", "postalCode")
_ITEMS = {item.xml_element: (item.name, item.xml_value.removeprefix("@")) for item in ITEMS}
_GROUPS = frozenset({"PersonalAndDemographics", "Referrals"})
_ACTIVITY = "ImagingActivity"
_RECORD = "DIDSRecord"
_FALLBACK = {"code": ("extension", "value"), "extension": ("code", "value")}


def _local(name: str) -> str:
    """The local name of a (possibly prefixed) element name."""
    return name.rpartition(":")[2]


_BLANK_ROW = dict.fromkeys(COLUMNS, "")
_SCHEMA = dict.fromkeys(COLUMNS, pl.String)
_ROW = operator.itemgetter(*COLUMNS)


class _Rows:
    """Rows gathered from DIDSRecords: one tuple of the 18 values per ImagingActivity
    (built in C: a merged dict and an item getter), turned into columns a batch at a time."""

    def __init__(self) -> None:
        self.rows: list[tuple] = []
        self.activities = 0  # rows taken, over the whole file

    def take(self, record: int, shared: dict, activities: list) -> None:
        if not activities:
            raise FileRejected("DIDS076", f"DIDSRecord number {record} has no ImagingActivity.")
        for activity in activities:
            self.rows.append(_ROW({**_BLANK_ROW, **shared, **activity}))
        self.activities += len(activities)

    def pending(self) -> int:
        return len(self.rows)

    def batch(self) -> pl.DataFrame:
        first = self.activities - len(self.rows) + 1
        # Row-wise construction: a third cheaper than transposing the tuples in Python.
        frame = pl.DataFrame(self.rows, schema=_SCHEMA, orient="row")
        self.rows = []
        return frame.select(
            pl.int_range(first, first + frame.height, dtype=pl.Int64).alias(RECORD_NUMBER),
            *COLUMNS,
        )


def _handlers(parser, rows: _Rows):
    """The expat handlers, as closures over the parse's state: they run for every element
    of the file, and a closure's variables cost less to reach than an object's. Opening
    and closing a text item are written out in the handlers, not called: a call costs
    more than the work (1.2 million text items in 200,000 records)."""
    depth = 0
    records = 0  # DIDSRecords begun
    group = ""  # the element open at depth 3
    items_into: dict[str, str] | None = None  # where that group's items go (None: no group)
    shared: dict[str, str] = {}
    activity: dict[str, str] | None = None
    activities: list[dict[str, str]] = []
    item_depth = 0  # depth of the open item, 0 outside one
    item = None  # (column, how, target, attrs) of an item whose value is its text
    text: list[str] = []
    text_length = 0
    postal = False  # inside Address/postalCode

    def characters(data: str) -> None:
        nonlocal text_length
        text.append(data)
        text_length += len(data)
        if text_length > MAX_VALUE_CHARS:
            column = item[0] if item else ""
            name = next((e for e, (c, _) in _ITEMS.items() if c == column), "item")
            raise _too_long(name, text_length, records)

    def start(name: str, attrs: dict) -> None:
        nonlocal depth, records, group, shared, activity, activities, item_depth, item, postal
        nonlocal items_into, text, text_length
        depth += 1
        if ":" in name:
            name = _local(name)
        if item_depth:  # inside an item: its parts are its own (postalCode)
            if name == "postalCode" and item is not None and item[1] == "postalCode":
                postal = True
                text, text_length = [], 0
                parser.CharacterDataHandler = characters
            return
        # Most elements are items inside a group: that case is tested first.
        if depth == 4:
            target = items_into
            if target is None:
                raise _not_in_schema(name, group or _RECORD, records)
            place = group
        elif depth == 3:
            group = name
            if name == _ACTIVITY:
                activity = items_into = {}
                return
            if name in _GROUPS:
                items_into = shared
                return
            items_into = None
            target, place = shared, _RECORD  # an item straight inside the record
        elif depth == 2:
            if name != _RECORD:
                raise _not_in_schema(name, "DIDS", 0)
            records += 1
            shared, activities = {}, []
            return
        elif depth == 1:
            if name != "DIDS":
                raise FileRejected(
                    "DIDS076", f"The root element is {name}; a DID XML file starts with <DIDS>."
                )
            return
        else:
            raise _not_in_schema(name, group or _RECORD, records)
        # An item, to be read into `target`.
        found = _ITEMS.get(name)
        if found is None:
            raise _not_in_schema(name, place, records)
        column, how = found
        if column in target:
            raise _twice(name, place, records)
        item_depth = depth
        if attrs:
            value = attrs.get(how)  # None for "text" and "postalCode": no such attribute
            if value is not None and how in _FALLBACK:
                if len(value) > MAX_VALUE_CHARS:
                    raise _too_long(name, len(value), records)
                target[column] = value
                return
        item = (column, how, target, attrs)
        if how == "postalCode":
            text.clear()
        else:
            text, text_length = [], 0
            parser.CharacterDataHandler = characters

    def end(name: str) -> None:
        nonlocal depth, activity, item_depth, item, postal
        if depth == item_depth:  # the open item ends (no item: 0, never a depth)
            item_depth = 0
            if item is not None:
                column, how, target, attrs = item
                item = None
                value = "".join(text)
                parser.CharacterDataHandler = None
                if how == "text":
                    value = value or attrs.get("value") or ""
                elif how in _FALLBACK:  # no spec attribute: the other one, else the text
                    other, given = (attrs.get(key) for key in _FALLBACK[how])
                    value = other if other is not None else (given if given is not None else value)
                target[column] = value  # postalCode: the child's text, collected while open
            depth -= 1
            return
        if item_depth:
            if postal:
                postal = False
                parser.CharacterDataHandler = None
            depth -= 1
            return
        if depth == 3:
            if activity is not None:
                activities.append(activity)
                activity = None
        elif depth == 2:
            rows.take(records, shared, activities)
        depth -= 1

    return start, end


def _refuse_declarations(*_args) -> None:
    raise FileRejected(
        "DIDP106",
        "The XML contains a document type declaration (DOCTYPE) or entity declarations; "
        "DID files must not, for safety.",
    )


def _parser() -> tuple["pyexpat.XMLParserType", _Rows]:
    parser = pyexpat.ParserCreate()
    parser.SetParamEntityParsing(pyexpat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _refuse_declarations
    parser.EntityDeclHandler = _refuse_declarations
    parser.buffer_text = True
    parser.buffer_size = 1 << 16
    rows = _Rows()
    parser.StartElementHandler, parser.EndElementHandler = _handlers(parser, rows)
    return parser, rows


def file_chunks(path: Path, start: int = 0, end: int | None = None) -> Iterator[bytes]:
    """The bytes of `path` from `start` to `end` (the end of the file), _READ_BYTES at a time."""
    with path.open("rb") as handle:
        handle.seek(start)
        left = (end - start) if end is not None else None
        while left is None or left > 0:
            chunk = handle.read(_READ_BYTES if left is None else min(_READ_BYTES, left))
            if not chunk:
                return
            if left is not None:
                left -= len(chunk)
            yield chunk


def parse_batches(
    chunks: Iterable[bytes], *, final: bool = True
) -> Generator[pl.DataFrame, None, int]:
    """Record frames of the XML in `chunks`, records numbered from 1; returns how many.

    `final=False` leaves the document open after the last chunk (did.read.xml_split parses
    a file's first part so): no error for what is not closed yet.
    """
    parser, reader = _parser()
    try:
        for chunk in chunks:
            parser.Parse(chunk, False)
            if reader.pending() >= BATCH_RECORDS:
                yield reader.batch()
        if final:
            parser.Parse(b"", True)
    except pyexpat.ExpatError as error:
        reason = pyexpat.ErrorString(error.code)
        raise FileRejected(
            "DIDS076",
            f"The XML is not well formed at line {error.lineno}, column {error.offset + 1}: "
            f"{reason}.",
        ) from None
    if reader.pending():
        yield reader.batch()
    return reader.activities


def no_records() -> FileRejected:
    return FileRejected("DIDP108", "The XML file contains no DIDSRecord with an ImagingActivity.")


def read_xml_in_one_pass(path: Path) -> Iterator[pl.DataFrame]:
    """Every record of the file, read from start to end by one parser."""
    activities = yield from parse_batches(file_chunks(path))
    if activities == 0:
        raise no_records()


def _twice(name: str, place: str, record: int) -> FileRejected:
    where = "ImagingActivity" if place == _ACTIVITY else "record"
    return FileRejected(
        "DIDS076",
        f"DIDSRecord number {record} gives <{name}> twice in one {where}; the DIDS schema "
        "allows it once.",
    )


def _too_long(name: str, length: int, record: int) -> FileRejected:
    return FileRejected(
        "DIDS076",
        f"DIDSRecord number {record} holds a <{name}> of {length:,} characters; no DID item "
        "is longer than 20. Check that the file is a DID extract.",
    )


def _not_in_schema(name: str, parent: str, record: int) -> FileRejected:
    where = (
        f"DIDSRecord number {record} holds <{name}> inside <{parent}>"
        if record
        else f"<{parent}> holds <{name}>"
    )
    return FileRejected(
        "DIDS076",
        f"{where}, which the DIDS schema does not allow there: check the element names "
        "and nesting (what it holds would not be read).",
    )
