"""Streaming CSV reader: header-less 18 columns in item order, or a header naming them.

Block by block (bounded memory). Plain blocks - UTF-8 with no quote character, no blank
line and no bare carriage return, which is what most systems export - are parsed by
Polars straight into record frames. Anything else (quoted fields, Windows-1252, damaged
lines) goes to pyarrow's streaming reader, which handles quoting, CRLF or LF and a UTF-8
byte-order mark, from the first block that is not plain. The encoding is UTF-8 unless the
bytes are not valid UTF-8, in which case Windows-1252 (what Excel writes on Windows) is
tried.
"""

import codecs
import csv as pycsv
import re
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from did.bytescan import MAX_LINE_BYTES, ByteFacts, first_long_line, line_end
from did.read.errors import FileRejected
from did.read.frame import with_record_numbers
from did.read.order import SAMPLE_ROWS, column_order
from did.spec.items import COLUMNS, ITEMS

if TYPE_CHECKING:
    import pyarrow as pa

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


def _is_utf8(data: bytes) -> bool:
    # CPython's decoder checks pure ASCII a machine word at a time: about as fast as
    # Arrow's SIMD check, without importing pyarrow for files that never need it.
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _nul_bytes() -> FileRejected:
    return FileRejected("DIDP103", "The file contains NUL bytes: it is not a CSV or XML text file.")


def detect_encoding(path: Path) -> str:
    """'utf-8' or 'cp1252'; raises FileRejected for bytes that are not text in either."""
    utf8 = True
    carry = b""
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            if b"\x00" in chunk:
                raise _nul_bytes()
            if utf8 and not carry and chunk.isascii():
                continue  # ASCII is UTF-8; isascii() runs at memory speed, copying nothing
            if utf8:
                # A line break is always a character boundary, so validate whole lines
                # (ended by LF, or by CR in an old Mac file, which has no LF to cut at).
                data = carry + chunk
                cut = max(data.rfind(b"\n"), data.rfind(b"\r")) + 1
                utf8 = _is_utf8(data[:cut]) if cut else True
                carry = data[cut:]
    if utf8 and not _is_utf8(carry):
        utf8 = False
    if utf8:
        return "utf-8"
    offset = 0
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            if undefined := _UNDEFINED_1252.search(chunk):
                line = _line_number(path, offset + undefined.start(), line_end(path))
                raise FileRejected(
                    "DIDP103",
                    f"Line {line} holds a byte (0x{undefined.group()[0]:02X}) that is neither "
                    "UTF-8 nor Windows-1252 text. Save the file as UTF-8 and upload it again.",
                )
            offset += len(chunk)
    return "cp1252"


def reject_long_lines(path: Path, known: ByteFacts | None = None) -> None:
    """Raise FileRejected naming the first line longer than MAX_LINE_BYTES, if any (found
    by did.bytescan, or already `known`)."""
    if known is not None:
        ended_by, long_line = known.line_end, known.long_line
    else:
        ended_by = line_end(path)
        long_line = first_long_line(path, ended_by)
    if long_line is None:
        return
    if long_line.has_nul:
        raise _nul_bytes()  # not text at all: say so, not that a line is long
    line = _line_number(path, long_line.start, ended_by)
    raise FileRejected(
        "DIDP102",
        f"Line {line} is longer than {MAX_LINE_BYTES:,} characters; a DID record "
        "is a few hundred at most. Check that the file is a DID extract with one "
        "record to a line.",
    )


def _line_number(path: Path, offset: int, line_end: bytes = b"\n") -> int:
    """The 1-based number of the line that starts at byte `offset`."""
    breaks = 0
    with path.open("rb") as handle:
        while offset > 0 and (chunk := handle.read(min(_CHUNK, offset))):
            breaks += chunk.count(line_end)
            offset -= len(chunk)
    return breaks + 1


class _NumberedLines:
    """A text file's lines as csv.reader wants them (newline="": split at CR, LF or CR LF,
    so quoted line breaks reach it intact), numbered by the file's own line ends
    (did.bytescan.line_end): a quoted CR in a file of LF lines does not count as a new
    line."""

    def __init__(self, handle, line_end: str):
        self.handle, self.line_end = handle, line_end
        self.ended = 0  # lines ended so far
        self.number = 1  # the line the last piece handed out is on

    def __iter__(self):
        return self

    def __next__(self) -> str:
        piece = next(self.handle)
        self.number = self.ended + 1
        self.ended += piece.endswith(self.line_end)
        return piece


def _first_bad_line(path: Path, encoding: str) -> str | None:
    """Slow path, only after the fast reader failed: what is wrong with the first bad
    record and where, or None when Python's reader finds nothing wrong."""
    ended_by = line_end(path).decode()
    with path.open("r", encoding=encoding, newline="") as handle:
        if encoding == "utf-8":
            handle.reconfigure(encoding="utf-8-sig")
        lines = _NumberedLines(handle, ended_by)
        reader = pycsv.reader(lines)
        start = 1  # the line the next record starts on
        try:
            for row in reader:
                if row and len(row) != len(COLUMNS):
                    return _bad_record(start, lines.number, len(row))
                start = lines.ended + 1
        except pycsv.Error:
            # A field over the module's limit (128 KiB). Lines are at most MAX_LINE_BYTES
            # (reject_long_lines), so only a quote left open makes one.
            return _open_quote(start, lines.number)
    return None


def _bad_record(start: int, end: int, found: int) -> str:
    columns = f"{found} column{'' if found == 1 else 's'}"
    if end > start:  # a quote opened on the first line was not closed there
        return _open_quote(start, end) + f" Read that way, the record has {columns}."
    return (
        f"Line {start} has {columns}; every line must have {len(COLUMNS)} "
        "(the data items in order, separated by commas)."
    )


def _open_quote(start: int, end: int) -> str:
    return (
        f"Line {start} opens a quoted value that is not closed on that line, so it runs on "
        f"to line {end}: check the quotes on line {start}."
    )


def header_mapping(first_row: list[str]) -> list[str] | None:
    """The item order named by a header row, or None when the first row is data.

    A DID data row always holds digits (dates, codes); a header never does. A header whose
    18 names all map to distinct items may list them in any order. One that names only
    some of them is read in item order, so long as each name it has is in its item's
    place; otherwise (a name out of place, or twice) it cannot be read either way and
    raises FileRejected.
    """
    if any(ch.isdigit() for value in first_row for ch in value):
        return None
    if sum(1 for value in first_row if value.strip()) < 3:
        return None
    names = [_HEADER_NAMES.get(_normalise_name(value)) for value in first_row]
    if None not in names and len(set(names)) == len(COLUMNS):
        return names  # type: ignore[return-value]
    if all(name in (None, column) for name, column in zip(names, COLUMNS, strict=True)):
        return list(COLUMNS)
    unknown = [
        f'column {i} "{v.strip()}"'
        for i, (v, n) in enumerate(zip(first_row, names, strict=True), 1)
        if n is None
    ]
    twice = sorted({first_row[i].strip() for i, n in enumerate(names) if n and names.count(n) > 1})
    problems = [f"not item names: {', '.join(unknown)}"] if unknown else []
    problems += [f"named more than once: {', '.join(twice)}"] if twice else []
    raise FileRejected(
        "DIDS075",
        "The header row names the items in another order, but not all of them once "
        f"({'; '.join(problems)}). Name each of the {len(COLUMNS)} items once, or give "
        "them in the data set's order.",
    )


def _open(path: Path, encoding: str, positional: list[str], quoted_line_breaks: bool):
    import pyarrow as pa
    import pyarrow.csv as pacsv

    return pacsv.open_csv(
        str(path),
        read_options=pacsv.ReadOptions(
            column_names=positional,
            block_size=BLOCK_BYTES,
            encoding="utf8" if encoding == "utf-8" else encoding,
        ),
        parse_options=pacsv.ParseOptions(newlines_in_values=quoted_line_breaks),
        convert_options=pacsv.ConvertOptions(
            column_types={name: pa.string() for name in positional},
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )


def _plain_blocks(path: Path) -> Iterator[bytes]:
    """The file in blocks of about BLOCK_BYTES, each ending at a line end (the last at EOF)."""
    carry = b""
    with path.open("rb") as handle:
        while chunk := handle.read(BLOCK_BYTES):
            data = carry + chunk
            cut = data.rfind(b"\n") + 1
            if not cut and b"\r" in data:
                # No LF in a whole block: CR line ends (old Mac OS), which are never plain.
                # Hand it on as it is rather than carry the file on to the next block.
                yield data
                carry = b""
                continue
            if cut:
                yield data[:cut]
            carry = data[cut:]
    if carry:
        yield carry


def _is_plain(block: bytes) -> bool:
    """True when no line of `block` can be split differently by Polars and pyarrow.

    Without quotes every comma separates fields and every line end ends a row, so a block
    of 18-field rows holds 17 commas a line; one that does not (a short, long or blank
    line) and bare carriage returns (which pyarrow treats as line ends) are left to
    pyarrow. _plain_frame's byte count still checks each row.
    """
    if b'"' in block:
        return False
    if block.count(b",") != (len(COLUMNS) - 1) * (block.count(b"\n") + (not block.endswith(b"\n"))):
        # A short or blank line: Polars would pad each to 18 fields (16 MB of blank lines
        # took 5 GB), so such a block goes to pyarrow, which says where the line is.
        return False
    return b"\r" not in block or block.count(b"\r") == block.count(b"\r\n")


_PLAIN_SCHEMA = {f"f{i}": pl.String() for i in range(len(COLUMNS))}


def _plain_frame(block: bytes, first: bool) -> pl.DataFrame | None:
    """The rows of a plain block, or None when a row has the wrong number of fields or
    there are no rows. `first`: the block starts the file (where a byte-order mark may
    be; Polars drops one at the start of any block it is given)."""
    try:
        frame = pl.read_csv(
            block, has_header=False, schema=_PLAIN_SCHEMA, quote_char=None,
            empty_string_is_null=False, raise_if_empty=False,
        )  # fmt: skip
    except pl.exceptions.PolarsError:
        return None  # a row with too many fields
    if frame.height == 0:
        return None  # only white space, which pyarrow reports as an empty file
    # Polars pads a short row with empty fields and reads a blank line as a row of them.
    # Without quotes a block is, byte for byte, its fields, 17 commas a row, the line
    # ends (CR LF or LF) and perhaps a byte-order mark: the sizes add up only when every
    # row had exactly 18 fields (none had more: that raised). Field sizes are stored in
    # the string views, so this costs far less than counting the commas.
    field_bytes = frame.select(pl.sum_horizontal(pl.all().str.len_bytes().cast(pl.Int64).sum()))
    line_ends = frame.height - (not block.endswith(b"\n"))
    carriage_returns = block.count(b"\r") if b"\r" in block else 0
    mark = len(codecs.BOM_UTF8) if first and block.startswith(codecs.BOM_UTF8) else 0
    separators = (len(COLUMNS) - 1) * frame.height
    if field_bytes.item() + separators + line_ends + carriage_returns + mark != len(block):
        return None
    return frame


def _fast_frames(path: Path, encoding: str) -> Generator[pl.DataFrame, None, bool]:
    """Frames of the leading plain blocks, stopping at the first block that is not plain.

    Returns True when every block was plain (the whole file has been read).
    """
    if encoding != "utf-8":
        return False
    for number, block in enumerate(_plain_blocks(path)):
        frame = _plain_frame(block, first=number == 0) if _is_plain(block) else None
        if frame is None:
            return False
        yield frame
    return True


def _frames(path: Path, encoding: str, positional: list[str]) -> Iterator[pl.DataFrame]:
    """Every parsed row (a header too), in order: fast frames, then pyarrow's from there."""
    fast = _fast_frames(path, encoding)
    done = 0
    while True:
        try:
            frame = next(fast)
        except StopIteration as finished:
            if finished.value:
                return
            break
        done += frame.height
        yield frame
    for batch in _raw_batches(path, encoding, positional, skip=done):
        frame = pl.from_arrow(batch)
        assert isinstance(frame, pl.DataFrame)
        yield frame


def _raw_batches(
    path: Path, encoding: str, positional: list[str], skip: int = 0
) -> Iterator["pa.RecordBatch"]:
    """Every parsed row (a header too) after the first `skip`, in order.

    Parsing without support for line breaks inside quoted fields is about twice as fast, so
    that is tried first. Such a line break makes a short row there, which stops the fast
    parse with an error before any wrong row is returned; the file is then parsed again with
    the support on, skipping the rows already yielded.
    """
    import pyarrow as pa  # only files that are not plain need it (see the module doc)

    yielded = skip
    for quoted_line_breaks in (False, True):
        skip = yielded
        try:
            reader = _open(path, encoding, positional, quoted_line_breaks)
            for batch in reader:
                if skip >= batch.num_rows:
                    skip -= batch.num_rows
                    continue
                batch = batch.slice(skip)
                skip = 0
                yielded += batch.num_rows
                yield batch
            return
        except pa.ArrowInvalid as error:
            if "Empty CSV" in str(error):
                raise FileRejected("DIDP101", "The file is empty.") from None
            problem = _first_bad_line(path, encoding)
            if problem:
                raise FileRejected("DIDS075", problem) from None
    raise FileRejected(
        "DIDS075", "The file could not be read as CSV: check that every quote is closed."
    )


def read_csv(path: Path, notices: list[str] | None = None) -> Iterator[pl.DataFrame]:
    """Yield record frames of up to about BLOCK_BYTES of input each. A header-less file's
    column order is judged from its first rows (did.read.order); when it is not the
    national order, the reason is added to `notices`."""
    encoding = detect_encoding(path)
    positional = [f"f{i}" for i in range(len(COLUMNS))]
    order: list[str] | None = None
    next_record = 1
    for frame in _frames(path, encoding, positional):
        if order is None:
            if frame.height == 0:
                continue
            first = frame.row(0)
            mapped = header_mapping([str(v) for v in first])
            if mapped is not None:
                frame = frame.slice(1)
                order = mapped
            else:
                sniffed = column_order(frame.head(SAMPLE_ROWS).rows())
                order = list(sniffed.columns)
                if sniffed.notice and notices is not None:
                    notices.append(sniffed.notice)
            if first and isinstance(first[0], str) and first[0].startswith("\ufeff"):
                frame = frame.with_columns(pl.col("f0").str.strip_prefix("\ufeff"))
        frame = frame.rename(dict(zip(positional, order, strict=True)))
        if frame.height:
            yield with_record_numbers(frame, next_record)
            next_record += frame.height
    if next_record == 1:
        raise FileRejected("DIDP108", "The file contains no records (only a header row).")
