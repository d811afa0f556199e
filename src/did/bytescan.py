"""What the readers must know of a whole file's bytes before they parse it, in the
standard library only.

- whether a line is longer than any record can be (the readers reject the file);
- whether it holds a quote, a NUL byte or a CR (the whole-file scan takes only plain files);
- how many CRs it holds, when each ends a line (the whole-file scan's byte count).

Each is a scan at memory speed. Standard library only, so that `did validate` runs them
in a second process (`Prescan`, `python -m did.bytescan FILE`) while the first is still
importing Polars: about 45 ms of a million-record run (docs/adr/017).

find() and rfind() on a memory map run at memory speed without copying the file, but
every page they touch stays mapped into the process, and counts in its memory, until the
map is closed: a 10-million-record file (1.3 GB) showed as 1.3 GB resident. Releaser and
windows let the pages already scanned go, a window at a time (they stay in the page cache).
"""

import json
import mmap
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

WINDOW = 32 << 20  # a multiple of the page size
# A DID record is a few hundred characters; a far longer line is not one (a file of
# commas with no line break would otherwise cost the parsers memory for every field).
MAX_LINE_BYTES = 64 << 10
QUOTE, NUL, CR = b'"', b"\x00", b"\r"
_CHUNK = 16 << 20
_FIRST_READ = 64 << 10


class Releaser:
    """Lets go the pages of `data` before an offset the scan has passed."""

    def __init__(self, data: mmap.mmap) -> None:
        self.data = data
        self.kept = 0  # pages from here on may still be mapped

    def behind(self, offset: int) -> None:
        to = offset - offset % mmap.PAGESIZE
        if to - self.kept >= WINDOW:
            self.data.madvise(mmap.MADV_DONTNEED, self.kept, to - self.kept)
            self.kept = to


def windows(data: mmap.mmap) -> Iterator[tuple[int, int]]:
    """(start, end) of each WINDOW of `data` in turn, letting each go once scanned."""
    releaser = Releaser(data)
    for start in range(0, len(data), WINDOW):
        yield start, min(len(data), start + WINDOW)
        releaser.behind(start + WINDOW)


def found(data: mmap.mmap, *needles: bytes, start: int = 0, end: int | None = None) -> set[bytes]:
    """Which of the `needles` occur in `data[start:end]`, in one pass."""
    seen = set()
    stop = len(data) if end is None else end
    for window_start, window_end in windows(data):
        if window_start >= stop:
            break
        if window_end <= start:
            continue
        for needle in needles:
            # A needle may start in this window and end in the next.
            reach = min(stop, window_end + len(needle) - 1)
            if needle not in seen and data.find(needle, max(start, window_start), reach) >= 0:
                seen.add(needle)
    return seen


def line_end(path: Path) -> bytes:
    """What ends a line in this file: LF (after a CR or not), or CR in a file with no LF at
    all (old Mac OS). A CR elsewhere in a file with LFs, inside quotes or not, does not
    start a new line number (pyarrow may still end a record there, as Python's csv does)."""
    crs = False
    with path.open("rb") as handle:
        # A line feed is usually within the first line: read a little first (reading a
        # whole _CHUNK to find it cost every upload a hundredth of a second).
        size = _FIRST_READ
        while chunk := handle.read(size):
            if b"\n" in chunk:
                return b"\n"
            crs = crs or CR in chunk
            size = _CHUNK
    return CR if crs else b"\n"


@dataclass(frozen=True)
class LongLine:
    start: int  # the byte offset where the line starts
    has_nul: bool  # a NUL byte within its first MAX_LINE_BYTES: not text at all


def first_long_line(path: Path, ended_by: bytes) -> LongLine | None:
    """The first line (ended by `ended_by`) longer than MAX_LINE_BYTES, if any.

    Jumps from line end to line end a window at a time (rfind runs at memory speed), so a
    file is checked in one pass with a few thousand Python steps, not one per line.
    """
    size = path.stat().st_size
    if size <= MAX_LINE_BYTES:
        return None
    with path.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        start = 0  # the start of a line
        releaser = Releaser(data)
        while size - start > MAX_LINE_BYTES:
            end = data.rfind(ended_by, start, start + MAX_LINE_BYTES + 1)
            if end < 0:
                has_nul = data.find(NUL, start, start + MAX_LINE_BYTES + 1) >= 0
                return LongLine(start, has_nul)
            start = end + 1
            releaser.behind(start)
    return None


def carriage_returns(path: Path) -> int | None:
    """How many CRs the file holds, or None when one is not followed by LF."""
    crs = pairs = 0
    previous_cr = False
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            crs += chunk.count(CR)
            pairs += chunk.count(b"\r\n") + (previous_cr and chunk.startswith(b"\n"))
            previous_cr = chunk.endswith(CR)
    return crs if crs == pairs else None


@dataclass(frozen=True)
class ByteFacts:
    """What the readers must know of one file's bytes (the module docstring)."""

    identity: tuple[int, int, int]  # size, modification time (ns), inode: which file
    line_end: bytes
    long_line: LongLine | None
    present: frozenset[bytes]  # which of QUOTE, NUL and CR the file holds
    carriage_returns: int | None  # when it holds CRs: as carriage_returns() counts them


def identity(path: Path) -> tuple[int, int, int]:
    stat = path.stat()
    return stat.st_size, stat.st_mtime_ns, stat.st_ino


def special_bytes(path: Path) -> frozenset[bytes]:
    """Which of QUOTE, NUL and CR the file holds."""
    if path.stat().st_size == 0:
        return frozenset()  # an empty file cannot be memory-mapped
    with path.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        return frozenset(found(data, QUOTE, NUL, CR))


def byte_facts(path: Path) -> ByteFacts:
    ended_by = line_end(path)
    present = special_bytes(path)
    return ByteFacts(
        identity=identity(path),
        line_end=ended_by,
        long_line=first_long_line(path, ended_by),
        present=present,
        carriage_returns=carriage_returns(path) if CR in present else 0,
    )


def _to_json(facts: ByteFacts) -> str:
    fields = asdict(facts)
    fields["line_end"] = facts.line_end.decode("ascii")
    fields["present"] = sorted(needle.decode("ascii") for needle in facts.present)
    return json.dumps(fields)


def _from_json(text: str) -> ByteFacts:
    fields = json.loads(text)
    long_line = fields["long_line"]
    return ByteFacts(
        identity=tuple(fields["identity"]),
        line_end=fields["line_end"].encode("ascii"),
        long_line=LongLine(**long_line) if long_line is not None else None,
        present=frozenset(needle.encode("ascii") for needle in fields["present"]),
        carriage_returns=fields["carriage_returns"],
    )


class Prescan:
    """byte_facts(path), worked out by a second process started at once."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._process: subprocess.Popen[str] | None = subprocess.Popen(
                [sys.executable, "-m", "did.bytescan", os.fspath(path)],
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
            )
        except OSError:
            self._process = None

    def facts(self, path: Path) -> ByteFacts | None:
        """The second process's facts, when they are of this very file as it is now (same
        path, size, modification time and inode); else None, and the caller scans."""
        if self._process is None or path != self.path:
            return None
        output, _ = self._process.communicate()
        if self._process.returncode != 0:
            return None
        try:
            facts = _from_json(output)
        except (ValueError, KeyError, TypeError):
            return None
        return facts if facts.identity == identity(path) else None

    def close(self) -> None:
        """Stop the second process if nobody asked for its facts."""
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.communicate()


if __name__ == "__main__":
    print(_to_json(byte_facts(Path(sys.argv[1]))))
