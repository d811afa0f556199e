"""The one place the benchmark scripts write docs/benchmarks.md.

Each script owns one section between `<!-- NAME:start -->` and `<!-- NAME:end -->` and
rewrites only that; a section not there yet is added at the end.
"""

import re
from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"


def markers(name: str) -> tuple[str, str]:
    return f"<!-- {name}:start -->", f"<!-- {name}:end -->"


def write_section(name: str, lines: list[str]) -> None:
    """Replace section `name` with `lines` (without the markers)."""
    start, end = markers(name)
    block = "\n".join([start, *lines, end])
    text = DOC.read_text(encoding="utf-8")
    if start in text:
        pattern = re.escape(start) + ".*?" + re.escape(end)
        text = re.sub(pattern, lambda _: block, text, flags=re.S)
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    DOC.write_text(text, encoding="utf-8")
