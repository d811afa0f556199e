"""Scanning a file through a memory map without keeping all of it mapped.

find() and rfind() on a mapping run at memory speed without copying the file, but every
page they touch stays mapped into the process, and counts in its memory, until the map
is closed: a 10-million-record file (1.3 GB) showed as 1.3 GB resident. These helpers let
the pages already scanned go, a window at a time (they stay in the page cache).
"""

import mmap
from collections.abc import Iterator

WINDOW = 32 << 20  # a multiple of the page size


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


def found(data: mmap.mmap, *needles: bytes) -> set[bytes]:
    """Which of the single-byte `needles` occur in `data`, in one pass."""
    seen = set()
    for start, end in windows(data):
        seen.update(n for n in needles if n not in seen and data.find(n, start, end) >= 0)
    return seen
