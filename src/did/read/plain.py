"""The whole-file fast path for plain CSV: one lazy scan instead of block-by-block reading.

Most systems export UTF-8 with no quote character and LF or CR LF line ends. Such a
file can be scanned by Polars' streaming engine in one pass, in parallel, in bounded
memory, with the rules evaluated in the same pipeline (did.validate). A file with a quote
character, a NUL byte or a bare carriage return is not offered here; one that turns out
not to be plain while being scanned (bytes that are not UTF-8, a line with too many
fields, or a short or blank line, which Polars pads with empty fields: see
`PlainCsv.complete`) makes the caller read it again with the general reader
(did.read.csv), which names the problem and its line.
"""

import codecs
import mmap
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import polars as pl

from did.bytescan import CR, NUL, QUOTE, ByteFacts, carriage_returns, special_bytes
from did.read.csv import header_mapping
from did.read.frame import RECORD_NUMBER
from did.read.order import SAMPLE_ROWS, ColumnOrder, column_order
from did.spec.items import COLUMNS

ROW_BYTES = "_row_bytes"
Frame = TypeVar("Frame", pl.DataFrame, pl.LazyFrame)
# The columns of a scan before they are named: f0 to f17, in file order.
POSITIONAL = [f"f{i}" for i in range(len(COLUMNS))]
# A first line longer than this is not a header row worth reading (a header is ~400 bytes).
_FIRST_LINE_LIMIT = 64 << 10
# The start of the file read to judge a header-less file's column order (did.read.order):
# SAMPLE_ROWS records of a few hundred bytes.
_HEAD_BYTES = SAMPLE_ROWS * 512


@dataclass(frozen=True)
class PlainCsv:
    path: Path
    size: int
    bom: int  # bytes of a UTF-8 byte-order mark (0 or 3)
    header: bytes  # the header line with its line end, or b"" when the file has none
    carriage_returns: int  # in the records' line ends (each the CR of a CR LF)
    ends_with_line_end: bool
    order: ColumnOrder  # the items in file column order, and why when not the national

    def records(self, first: int = 1, count: int | None = None) -> pl.LazyFrame:
        """record_number + the 18 items in spec order, as read (untrimmed): `count` records
        (all, when None) from record number `first`."""
        scan = pl.scan_csv(
            self.path,
            has_header=False,
            skip_rows=(1 if self.header else 0) + first - 1,
            n_rows=count,
            schema=dict.fromkeys(POSITIONAL, pl.String()),
            quote_char=None,
            empty_string_is_null=False,
            raise_if_empty=False,
        )
        numbered = self.named(scan).with_row_index(RECORD_NUMBER, offset=first)
        return numbered.select(pl.col(RECORD_NUMBER).cast(pl.Int64), *COLUMNS)

    def named(self, frame: Frame) -> Frame:
        """`frame` with its POSITIONAL columns named for the items they hold."""
        return frame.rename(dict(zip(POSITIONAL, self.order.columns, strict=True)))

    @staticmethod
    def with_row_bytes(records: pl.LazyFrame) -> pl.LazyFrame:
        """Add ROW_BYTES: the bytes of the record's 18 fields as read, for `complete`."""
        # A line is at most 64 KiB (did.read.csv.MAX_LINE_BYTES): its sum fits 32 bits.
        field_bytes = pl.sum_horizontal(pl.col(COLUMNS).str.len_bytes()).cast(pl.Int64)
        return records.with_columns(field_bytes.alias(ROW_BYTES))

    @staticmethod
    def tally(records: pl.LazyFrame) -> pl.LazyFrame:
        """One row: records scanned and the bytes of all their fields (see with_row_bytes)."""
        return records.select(pl.len().alias("rows"), pl.col(ROW_BYTES).sum().alias("field_bytes"))

    def read_to_end(self, rows: int, field_bytes: int) -> bool:
        """True when `rows` rows of `field_bytes` bytes of fields, read from the start,
        account for the whole file (see complete); False while bytes are left."""
        return rows > 0 and self._bytes_read(rows, field_bytes) >= self.size

    def complete(self, rows: int, field_bytes: int) -> bool:
        """True when the scan read every byte as fields of 18-field rows.

        Without quotes, the file is exactly its fields, 17 commas a row, the line ends and
        what was skipped. Polars pads a short line with empty fields and reads a blank
        line as a row of them, adding commas the file does not hold; a line with too many
        fields fails the scan (but for an unterminated last line, which plain_csv checks
        before offering the file). So the sizes agree only when every row had 18 fields.
        """
        if rows == 0:
            return False  # the general reader says why (empty, or only a header)
        return self._bytes_read(rows, field_bytes) == self.size

    def _bytes_read(self, rows: int, field_bytes: int) -> int:
        line_feeds = rows - (0 if self.ends_with_line_end else 1)
        return (
            self.bom
            + len(self.header)
            + field_bytes
            + (len(COLUMNS) - 1) * rows
            + line_feeds
            + self.carriage_returns
        )


def plain_csv(path: Path, known: ByteFacts | None = None) -> PlainCsv | None:
    """The plan for scanning `path` whole, or None when it needs the general reader.
    `known`: the file's byte facts (did.bytescan), when already worked out."""
    size = path.stat().st_size
    if size == 0:
        return None
    present = known.present if known is not None else special_bytes(path)
    if QUOTE in present or NUL in present:
        return None
    with path.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        ends_with_line_end = data[size - 1 : size] == b"\n"
        if not ends_with_line_end and data[data.rfind(b"\n") + 1 :].count(b",") != len(COLUMNS) - 1:
            # Polars drops extra fields from an unterminated last line without a word, and a
            # short line elsewhere could balance the byte count (see PlainCsv.complete).
            return None
        first_line_end = data.find(b"\n", 0, _FIRST_LINE_LIMIT)
        first_line = data[: first_line_end + 1 if first_line_end >= 0 else _FIRST_LINE_LIMIT]
        head = data[:_HEAD_BYTES]
    if CR not in present:
        crs: int | None = 0
    else:
        crs = known.carriage_returns if known is not None else carriage_returns(path)
    if crs is None:
        return None
    bom = len(codecs.BOM_UTF8) if first_line.startswith(codecs.BOM_UTF8) else 0
    try:
        fields = first_line[bom:].decode("utf-8").rstrip("\r\n").split(",")
    except UnicodeDecodeError:
        return None
    mapped = header_mapping(fields) if len(fields) == len(COLUMNS) else None
    if mapped is not None and first_line_end < 0:
        return None  # a header and nothing else: the general reader says so
    header = first_line[bom:] if mapped is not None else b""
    if mapped is not None:
        order = ColumnOrder(tuple(mapped))
    else:
        try:
            lines = _first_lines(head[bom:]).splitlines()[:SAMPLE_ROWS]
            rows = [line.split(",") for line in lines]
        except UnicodeDecodeError:
            return None
        order = column_order(rows)
    return PlainCsv(
        path=path,
        size=size,
        bom=bom,
        header=header,
        carriage_returns=crs - header.endswith(b"\r\n"),
        ends_with_line_end=ends_with_line_end,
        order=order,
    )


def _first_lines(head: bytes) -> str:
    """The whole lines (at most order.SAMPLE_ROWS) at the start of the file, as text."""
    cut = head.rfind(b"\n") + 1 if len(head) == _HEAD_BYTES else len(head)
    return head[:cut].decode("utf-8")
