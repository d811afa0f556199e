"""A large XML file read as two parts at once, the second in another process.

Python's handlers cost far more than expat's parse itself (did.read.xml), and one process
runs them on one core. So a large file is cut just after a `</DIDSRecord>` end tag near
its middle: this process parses the first part, a second process (`python -m
did.read.xml_split`) parses the rest as if it followed the root's start tag, and writes
its records to Arrow files that this process reads back after its own, renumbered.

The records and every message are exactly those of one pass (did.read.xml
`read_xml_in_one_pass`):

- The cut is made only where it cannot change what is parsed: an ASCII-compatible file
  (UTF-8 or ASCII, by its declaration) with no comment, CDATA section, DOCTYPE or
  processing instruction (no `<!` or `<?`, but the declaration) before it. Outside those,
  the bytes `</DIDSRecord>` can only be an end tag, and the handlers accept a DIDSRecord
  only as a child of the root: after it the parser is between records, at depth 1, where
  the second part's parser starts too.
- The first part is the file's own first bytes, so an error there is reported as one
  pass reports it (the parse stops there).
- Any error in the second part (or a second process that fails) makes this process read
  that part itself and, if it fails there, read the whole file again in one pass, so
  that the message carries the file's own line, column and record numbers. A rejected
  file's records are never reported, so the records already read do not matter.
"""

import codecs
import mmap
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from did import scratch
from did.bytescan import found
from did.read.errors import FileRejected
from did.read.frame import RECORD_NUMBER
from did.read.xml import file_chunks, no_records, parse_batches, read_xml_in_one_pass

# Smaller files are read in one pass: starting the second process costs about 0.2 s.
MIN_SPLIT_BYTES = 16 << 20
# Where the second part starts, as a share of the file. This process also validates the
# records as they come, but the other starts later (a new interpreter and its imports):
# about even.
SPLIT_AT = 0.5
_RECORD_END = b"</DIDSRecord>"
_HEAD_BYTES = 64 << 10
_DECLARATION = re.compile(rb"<\?xml[^>]*\?>")
_ENCODING = re.compile(rb"""encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_ASCII_COMPATIBLE = {b"utf-8", b"utf8", b"us-ascii", b"ascii"}
_ROOT = re.compile(rb"\s*<([A-Za-z_][A-Za-z0-9_.:-]*)[\s/>]")
_BATCH_FILE = "batch-{:06d}.arrow"


@dataclass(frozen=True)
class Split:
    at: int  # the first byte of the second part: just after a </DIDSRecord> end tag
    prefix: bytes  # parsed before the second part: the declaration and the root start tag


def split_point(path: Path) -> Split | None:
    """Where `path` can be cut in two (see the module docstring), or None."""
    size = path.stat().st_size
    if size < MIN_SPLIT_BYTES:
        return None
    with path.open("rb") as handle:
        head = handle.read(_HEAD_BYTES)
    bom = len(codecs.BOM_UTF8) if head.startswith(codecs.BOM_UTF8) else 0
    declared = _DECLARATION.match(head, bom)
    declaration = declared.group() if declared else b""
    encoding = _ENCODING.search(declaration)
    if encoding and encoding.group(1).lower() not in _ASCII_COMPATIBLE:
        return None
    after_declaration = bom + len(declaration)
    root = _ROOT.match(head, after_declaration)
    if root is None:  # a comment, DOCTYPE or processing instruction first, or a UTF-16 file
        return None
    with path.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        end_tag = data.find(_RECORD_END, int(size * SPLIT_AT))
        if end_tag < 0:
            return None
        at = end_tag + len(_RECORD_END)
        if found(data, b"<!", b"<?", start=after_declaration, end=at):
            return None
    return Split(at=at, prefix=declaration + b"<" + root.group(1) + b">")


def second_part_chunks(path: Path, split: Split) -> Iterator[bytes]:
    yield split.prefix
    yield from file_chunks(path, split.at)


def read_xml(path: Path) -> Iterator[pl.DataFrame]:
    """Every record of the file, as read_xml_in_one_pass reads them (see the module doc)."""
    split = split_point(path)
    if split is None:
        yield from read_xml_in_one_pass(path)
        return
    with scratch.directory(scratch.READ) as work:
        folder = Path(work)
        second = _start_second_process(path, split, folder)
        try:
            first = yield from parse_batches(file_chunks(path, 0, split.at), final=False)
            if second is not None:
                second.wait()
        finally:
            if second is not None and second.poll() is None:
                second.kill()
                second.wait()
        if second is not None and second.returncode == 0:
            files = sorted(folder.glob("batch-*.arrow"))
            batches = (pl.read_ipc(file) for file in files)
            count = yield from _renumbered(batches, first)
        else:
            count = yield from _second_part_here(path, split, first)
    if first + count == 0:
        raise no_records()


def _start_second_process(path: Path, split: Split, folder: Path) -> subprocess.Popen | None:
    """The process parsing the second part into `folder`, or None when none can start
    (this process then reads that part itself)."""
    command = [sys.executable, "-m", __name__, str(path), str(split.at), split.prefix.hex()]
    try:
        return subprocess.Popen(
            [*command, str(folder)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    except OSError:
        return None


def _renumbered(batches: Iterator[pl.DataFrame], first: int) -> Iterator[pl.DataFrame]:
    """The second part's batches, numbered after the `first` records of the first part;
    returns how many records they hold."""
    count = 0
    for batch in batches:
        count += batch.height
        yield batch.with_columns(pl.col(RECORD_NUMBER) + first)
    return count


def _second_part_here(path: Path, split: Split, first: int) -> Iterator[pl.DataFrame]:
    """The second part read in this process, after the second process failed: an error
    in it is reported as one pass of the whole file reports it."""
    try:
        return (yield from _renumbered(parse_batches(second_part_chunks(path, split)), first))
    except FileRejected:
        for _ in read_xml_in_one_pass(path):
            pass
        raise RuntimeError("the XML file was rejected in two parts but read in one") from None


def _main(arguments: list[str]) -> int:
    """The second process: parse the second part, write its batches; 0 when it did."""
    path, at, prefix, folder = arguments
    split = Split(at=int(at), prefix=bytes.fromhex(prefix))
    try:
        for number, batch in enumerate(parse_batches(second_part_chunks(Path(path), split))):
            batch.write_ipc(Path(folder) / _BATCH_FILE.format(number))
    except FileRejected:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
