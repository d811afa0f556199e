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
