"""Streaming CSV reader: header-less 18 columns in item order, or a header naming them.

pyarrow's streaming reader parses in C++ block by block (bounded memory, quoted fields,
CRLF or LF, a UTF-8 byte-order mark). The encoding is UTF-8 unless the bytes are not valid
UTF-8, in which case Windows-1252 (what Excel writes on Windows) is tried.
"""

import codecs
import csv as pycsv
import re
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import polars as pl
import pyarrow as pa
import pyarrow.csv as pacsv

from did.read.errors import FileRejected
from did.read.frame import with_record_numbers
from did.spec.items import COLUMNS, ITEMS

BLOCK_BYTES = 16 << 20  # about 130,000 records a batch
_CHUNK = 16 << 20
# Bytes Windows-1252 leaves undefined: a file holding them is not text we can read.
_UNDEFINED_1252 = re.compile(rb"[\x81\x8d\x8f\x90\x9d]")


def _normalise_name(value: str) -> str:
    return re.sub(r"[^a-z0-9]", "", value.lower())


_HEADER_NAMES: dict[str, str] = {}
for _item in ITEMS:
    for _alias in (_item.name, _item.title, _item.xml_element):
        _HEADER_NAMES[_normalise_name(_alias)] = _item.name


def detect_encoding(path: Path) -> str:
    """'utf-8' or 'cp1252'; raises FileRejected for bytes that are not text in either."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8 = True
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            if b"\x00" in chunk:
                raise FileRejected(
                    "DIDP103", "The file contains NUL bytes: it is not a CSV or XML text file."
                )
            if utf8:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    utf8 = False
    if utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8 = False
    if utf8:
        return "utf-8"
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            if _UNDEFINED_1252.search(chunk):
                raise FileRejected(
                    "DIDP103",
                    "The file contains bytes that are neither UTF-8 nor Windows-1252 text.",
                )
    return "cp1252"


def _first_bad_line(path: Path, encoding: str) -> tuple[int, int]:
    """Slow path, only after the fast reader failed: (line number, field count)."""
    with path.open("r", encoding=encoding, newline="") as handle:
        if encoding == "utf-8":
            handle.reconfigure(encoding="utf-8-sig")
        reader = pycsv.reader(handle)
        try:
            for row in reader:
                if row and len(row) != len(COLUMNS):
                    return reader.line_num, len(row)
        except pycsv.Error:
            return 0, 0
    return 0, 0


def _header_mapping(first_row: list[str]) -> list[str] | None:
    """The item order named by a header row, or None when the first row is data.

    A DID data row always holds digits (dates, codes); a header never does. A header whose
    18 names all map to distinct items may list them in any order.
    """
    if any(ch.isdigit() for value in first_row for ch in value):
        return None
    if sum(1 for value in first_row if value.strip()) < 3:
        return None
    names = [_HEADER_NAMES.get(_normalise_name(value)) for value in first_row]
    if None not in names and len(set(names)) == len(COLUMNS):
        return names  # type: ignore[return-value]
    return list(COLUMNS)


def read_csv(path: Path) -> Iterator[pl.DataFrame]:
    """Yield record frames of up to about BLOCK_BYTES of input each."""
    encoding = detect_encoding(path)
    positional = [f"f{i}" for i in range(len(COLUMNS))]
    try:
        reader = pacsv.open_csv(
            str(path),
            read_options=pacsv.ReadOptions(
                column_names=positional,
                block_size=BLOCK_BYTES,
                encoding="utf8" if encoding == "utf-8" else encoding,
            ),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types={name: pa.string() for name in positional},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid as error:
        if "Empty CSV" in str(error):
            raise FileRejected("DIDP101", "The file is empty.") from None
        _raise_unreadable(path, encoding)
    order: list[str] | None = None
    next_record = 1
    while True:
        try:
            batch = reader.read_next_batch()
        except StopIteration:
            break
        except pa.ArrowInvalid:
            _raise_unreadable(path, encoding)
        frame = pl.from_arrow(batch)
        assert isinstance(frame, pl.DataFrame)
        if order is None:
            if frame.height == 0:
                continue
            first = frame.row(0)
            mapped = _header_mapping([str(v) for v in first])
            if mapped is not None:
                frame = frame.slice(1)
                order = mapped
            else:
                order = list(COLUMNS)
            if first and isinstance(first[0], str) and first[0].startswith("\ufeff"):
                frame = frame.with_columns(pl.col("f0").str.strip_prefix("\ufeff"))
        frame = frame.rename(dict(zip(positional, order, strict=True)))
        if frame.height:
            yield with_record_numbers(frame, next_record)
            next_record += frame.height
    if next_record == 1:
        raise FileRejected("DIDP108", "The file contains no records (only a header row).")


def _raise_unreadable(path: Path, encoding: str) -> NoReturn:
    line, found = _first_bad_line(path, encoding)
    if line:
        raise FileRejected(
            "DIDP102",
            f"Line {line} has {found} columns; every line must have {len(COLUMNS)} "
            "(the data items in order, separated by commas).",
        )
    raise FileRejected(
        "DIDP102", "The file could not be read as CSV: check that every quote is closed."
    )


def sniff_is_empty(path: Path) -> bool:
    with path.open("rb") as handle:
        head = handle.read(4096)
    return not head.removeprefix(codecs.BOM_UTF8).strip() and path.stat().st_size <= 4096
