"""Readers: turn a CSV, XML or zipped file into record frames, batch by batch.

    with open_records(path) as source:
        source.format            # "csv" or "xml"
        for frame in source.batches():
            ...                  # record_number + the 18 item columns, all strings

A file that cannot be read as DID records raises FileRejected(rule, message) - either from
open_records or while iterating.
"""

import codecs
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from did import scratch
from did.bytescan import ByteFacts
from did.read.csv import read_csv, reject_long_lines
from did.read.errors import FileRejected
from did.read.frame import RECORD_NUMBER
from did.read.xml_split import read_xml
from did.read.zip import extract_single

__all__ = ["FileRejected", "RECORD_NUMBER", "RecordSource", "open_records"]

_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


@dataclass
class RecordSource:
    path: Path
    format: str  # "csv" or "xml"
    # How the file was read, when the report should say (a CSV file's column order).
    notices: list[str] = field(default_factory=list)
    known: ByteFacts | None = None  # the byte facts of `path`, when worked out beforehand

    def batches(self) -> Iterator[pl.DataFrame]:
        if self.format == "xml":
            return read_xml(self.path)
        return read_csv(self.path, self.notices)


def _sniff(path: Path) -> str:
    """'zip', 'xml', 'csv' or 'empty', from the content (not the file name)."""
    with path.open("rb") as handle:
        head = handle.read(65536)
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "zip"
    if head.startswith(_UTF16_BOMS):
        # XML may be UTF-16 (its parser reads the mark); CSV is refused by open_records.
        text = head[: len(head) // 2 * 2].decode("utf-16", errors="replace")
        return "xml" if text.lstrip().startswith("<") else "csv"
    text = head.removeprefix(codecs.BOM_UTF8).lstrip(b" \t\r\n")
    if not text:
        return "empty" if not _has_text(path) else "csv"
    return "xml" if text.startswith(b"<") else "csv"


def _has_text(path: Path) -> bool:
    """Whether anything but white space follows a possible UTF-8 byte-order mark."""
    with path.open("rb") as handle:
        chunk = handle.read(8 << 20).removeprefix(codecs.BOM_UTF8)
        while chunk:
            if chunk.strip():
                return True
            chunk = handle.read(8 << 20)
    return False


@contextmanager
def open_records(path: Path | str, known: ByteFacts | None = None) -> Iterator[RecordSource]:
    """The file's records; `known`: its byte facts (did.bytescan), when already worked out."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(path)
    with scratch.directory(scratch.READ) as work:
        kind = _sniff(path)
        if kind == "zip":
            path = extract_single(path, Path(work))
            kind = _sniff(path)
            known = None  # facts of the zip file, not of what it holds
            if kind == "zip":
                raise FileRejected("DIDP107", "The zip file holds another zip file.")
        if kind == "empty":
            raise FileRejected("DIDP101", "The file is empty.")
        if kind == "csv" and _starts_with_utf16_bom(path):
            raise FileRejected(
                "DIDP103", "The file is UTF-16 text; save it as UTF-8 (or Windows-1252) CSV."
            )
        if kind == "csv":
            reject_long_lines(path, known)
        yield RecordSource(path=path, format=kind, known=known)


def _starts_with_utf16_bom(path: Path) -> bool:
    with path.open("rb") as handle:
        head = handle.read(2)
    return head in _UTF16_BOMS
