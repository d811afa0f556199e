"""Engine benchmark: `did validate` against the DuckDB floor, expat and frictionless-py.

    .venv/bin/python scripts/bench.py [--repeats 5] [--skip-5m] [--skip-frictionless]
                                      [--folder var/bench]

Generates a 1,000,000-record CSV with `did synth` (1% of records given one error of a
known rule; reused when already there) and measures, side by side in one run:

(a) the floor: DuckDB `read_csv(all_varchar=true)` + `count(*)` of the file;
(b) `did validate --json` of the same file (one Polars streaming pass, docs/adr/012);
(c) frictionless-py validating the first 100,000 records with an equivalent Table Schema
    plus custom checks (scripts/bench_frictionless.py), extrapolated x10;
(d) XML: a bare expat parse (no handlers) of a 200,000-record DIDS XML file against
    `did validate --json` of it (which parses the file's second half in a second
    process: its time is the whole command's, its peak memory the larger process's);
(e) the pipeline that stores: `did validate --out DIR` (records derived and written as
    Parquet, as the portal's worker does) on 1,000,000 and 5,000,000 records, for peak
    memory.

Every measurement is its own process (wall time from start to exit, peak RSS from wait4),
so Python start-up and imports count for every side alike. Writes the engine section of
docs/benchmarks.md.
"""

import argparse
import compileall
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from bench_doc import write_section

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PERIOD = "2025-06"
ERROR_RATE = 0.01
FRICTIONLESS_ROWS = 100_000
FLOOR_SQL = "select count(*) from read_csv(?, all_varchar = true, header = false)"
# The floor's own process: import DuckDB, run the query, print the count and query time.
FLOOR_PROGRAM = (
    "import sys, time, duckdb; started = time.perf_counter(); "
    f"count = duckdb.execute({FLOOR_SQL!r}, [sys.argv[1]]).fetchone()[0]; "
    "print(count, time.perf_counter() - started)"
)

# (d) the XML floor: expat with no handlers, reading the file in 1 MiB chunks.
EXPAT_PROGRAM = (
    "import sys, pyexpat; parser = pyexpat.ParserCreate(); "
    "handle = open(sys.argv[1], 'rb'); "
    "[parser.Parse(chunk, False) for chunk in iter(lambda: handle.read(1 << 20), b'')]; "
    "parser.Parse(b'', True)"
)
XML_ROWS = 200_000


@dataclass
class Run:
    seconds: float
    peak_mb: float
    output: str
    cpu: float = 0.0  # user + system seconds, with those of the processes it waited for


def run(command: list[str]) -> Run:
    """Run one process to exit: wall seconds, its own peak RSS (MiB) and its stdout."""
    started = time.perf_counter()
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as process:
        output = process.stdout.read() if process.stdout else ""
        # wait4 gives this child's own rusage, unlike RUSAGE_CHILDREN's running maximum.
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    if process.returncode not in (0, 1):  # did validate exits 1 for a rejected file
        raise SystemExit(f"{command[0]} failed with exit status {process.returncode}")
    return Run(seconds, usage.ru_maxrss / 1024, output, usage.ru_utime + usage.ru_stime)


def synthetic_file(folder: Path, rows: int, file_format: str = "csv") -> tuple[Path, str]:
    """The `did synth` file of `rows` records (made once) and its receipt date."""
    path = folder / f"synth-{rows}.{file_format}"
    manifest = Path(f"{path}.manifest.json")
    if not (path.is_file() and manifest.is_file()):
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [str(BIN / "did"), "synth", "--rows", str(rows), "--period", PERIOD,
             "--error-rate", str(ERROR_RATE), "--seed", "1", "--format", file_format,
             str(path)],
            check=True,
        )  # fmt: skip
    return path, json.loads(manifest.read_text())["received"]


def floor(path: Path) -> Run:
    result = run([sys.executable, "-c", FLOOR_PROGRAM, str(path)])
    count, query_seconds = result.output.split()
    result.output = f"{int(count)} {float(query_seconds):.3f}"
    return result


def did_validate(path: Path, received: str, *, out: Path | None = None) -> Run:
    command = [str(BIN / "did"), "validate", "--json", "--received", received, str(path)]
    if out is not None:
        command += ["--out", str(out), "--rejection", "record"]
    result = run(command)
    report = json.loads(result.output)
    result.output = f"{report['records']:,} records, {report['errors']:,} errors"
    return result


def frictionless(path: Path, received: str) -> Run:
    script = ROOT / "scripts" / "bench_frictionless.py"
    return run(
        [sys.executable, str(script), str(path), "--received", received,
         "--rows", str(FRICTIONLESS_ROWS)]
    )  # fmt: skip


def start_up(module: str) -> Run:
    """Python start-up plus one import: the fixed cost inside (a) or (b)."""
    return run([sys.executable, "-c", f"import {module}"])


def median_run(runs: list[Run]) -> Run:
    middle = statistics.median_low([r.seconds for r in runs])
    return next(r for r in runs if r.seconds == middle)


def side_by_side(
    path: Path, received: str, repeats: int
) -> tuple[dict[str, Run], float, list[float]]:
    """(a), (b) and their start-up costs alternately, `repeats` times each: the median
    run of each, and the median of each round's (b) / (a) (the machine's speed drifts
    between rounds; a ratio within one round compares like with like)."""
    runs: dict[str, list[Run]] = {"a": [], "b": [], "a0": [], "b0": []}
    for round_ in range(1, repeats + 1):
        runs["a"].append(floor(path))
        runs["b"].append(did_validate(path, received))
        runs["a0"].append(start_up("duckdb"))
        runs["b0"].append(start_up("did.commands._validate_run"))
        print(f"round {round_}: floor {runs['a'][-1].seconds:.2f} s, "
              f"did validate {runs['b'][-1].seconds:.2f} s", flush=True)  # fmt: skip
    ratios = [b.seconds / a.seconds for a, b in zip(runs["a"], runs["b"], strict=True)]
    medians = {name: median_run(measured) for name, measured in runs.items()}
    return medians, statistics.median(ratios), ratios


def compile_engine() -> None:
    """Compile the did package's bytecode, as installing a wheel does: an editable install
    leaves it to each process, and with PYTHONDONTWRITEBYTECODE set (as here) every run
    of `did validate` compiled its ~35 modules from source again (~25 ms)."""
    compileall.compile_dir(ROOT / "src" / "did", quiet=1)


def bytecode_compiled() -> bool:
    """Whether the installed Polars has .pyc files (make install compiles them)."""
    import importlib.util

    spec = importlib.util.find_spec("polars")
    folder = Path(spec.origin).parent / "__pycache__" if spec and spec.origin else None
    return bool(folder and any(folder.glob("*.pyc")))


def xml_side_by_side(folder: Path, repeats: int) -> tuple[Run, Run, float]:
    """(d): the bare expat parse and `did validate` of the same XML file, alternately."""
    path, received = synthetic_file(folder, XML_ROWS, "xml")
    floors, validations = [], []
    for _ in range(repeats):
        floors.append(run([sys.executable, "-c", EXPAT_PROGRAM, str(path)]))
        validations.append(did_validate(path, received))
    ratios = [v.seconds / f.seconds for f, v in zip(floors, validations, strict=True)]
    return median_run(floors), median_run(validations), statistics.median(ratios)


def padding_files(folder: Path) -> list[tuple[str, Path]]:
    """(f): the issue 16 (H2) files that once cost gigabytes because short lines were padded
    to 18 fields: 16 MiB of blank lines, and 6 MiB of one-character lines."""
    folder.mkdir(parents=True, exist_ok=True)
    files = [
        ("16 MiB of blank lines", folder / "blank-lines.csv", b"\n" * (16 * 1024 * 1024)),
        ("6 MiB of one-character lines", folder / "short-lines.csv", b"a\n" * (3 * 1024 * 1024)),
    ]
    for _, path, content in files:
        if not path.is_file() or path.stat().st_size != len(content):
            path.write_bytes(content)
    return [(label, path) for label, path, _ in files]


def rejected(path: Path, received: str) -> Run:
    """`did validate` of a file it rejects (exit status 1)."""
    result = run([str(BIN / "did"), "validate", "--json", "--received", received, str(path)])
    report = json.loads(result.output)
    result.output = ", ".join(error["rule"] for error in report["file_errors"]) or "accepted"
    return result


def verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def write_doc(rows: list[str], notes: list[str]) -> None:
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    lines = [
        "## Engine: `did validate`",
        "",
        f"Measured {date.today().isoformat()} ({machine}) by `make bench` "
        "(`.venv/bin/python scripts/bench.py`). The input is a `did synth` CSV (period "
        f"{PERIOD}, {ERROR_RATE:.0%} of records given one error of a known rule); each "
        "figure is a whole process from start to exit (Python start-up and imports "
        "included), peak memory is that process's maximum resident set size.",
        "",
        "| Measurement | Records | Wall s | Peak RSS MiB | Target | Result |",
        "| --- | --- | --- | --- | --- | --- |",
        *rows,
        "",
        *[line for note in notes for line in (note, "")],
    ]
    write_section("engine", lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="runs of (a) and (b) each")
    parser.add_argument("--skip-5m", action="store_true", help="skip the 5M memory run")
    parser.add_argument(
        "--skip-frictionless", action="store_true", help="skip (c), frictionless-py (~20 s)"
    )
    parser.add_argument("--folder", type=Path, default=ROOT / "var" / "bench")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    compile_engine()
    path, received = synthetic_file(args.folder, 1_000_000)
    measured, ratio, ratios = side_by_side(path, received, args.repeats)
    a, b = measured["a"], measured["b"]
    query_seconds = float(a.output.split()[1])
    rows = [
        f"| (a) floor: DuckDB `read_csv(all_varchar=true)` + `count(*)` | 1,000,000 | "
        f"{a.seconds:.2f} (query alone {query_seconds:.2f}) | {a.peak_mb:,.0f} | | |",
        f"| (b) `did validate --json` ({b.output}) | 1,000,000 | {b.seconds:.2f} | "
        f"{b.peak_mb:,.0f} | ≤ 2.5 × (a); ≤ 800 MiB | "
        f"{ratio:.2f} × (a): {verdict(ratio <= 2.5)}; "
        f"memory {verdict(b.peak_mb <= 800)} |",
        f"| (a) start-up alone: Python + `import duckdb` | 0 | {measured['a0'].seconds:.2f} | "
        f"{measured['a0'].peak_mb:,.0f} | | |",
        f"| (b) start-up alone: Python + import of `did validate` (Polars) | 0 | "
        f"{measured['b0'].seconds:.2f} | {measured['b0'].peak_mb:,.0f} | | |",
    ]
    if not args.skip_frictionless:
        c = frictionless(path, received)
        print(f"frictionless, {FRICTIONLESS_ROWS:,} records: {c.seconds:.1f} s", flush=True)
        c_full = c.seconds * 1_000_000 / FRICTIONLESS_ROWS
        rows += [
            f"| (c) frictionless-py, Table Schema + custom checks | {FRICTIONLESS_ROWS:,} | "
            f"{c.seconds:.1f} | {c.peak_mb:,.0f} | | |",
            f"| (c) extrapolated ×{1_000_000 // FRICTIONLESS_ROWS} | 1,000,000 (estimate) | "
            f"{c_full:.0f} | | (b) ≥ 20 × faster | (b) is {c_full / b.seconds:.0f} × faster: "
            f"{verdict(c_full >= 20 * b.seconds)} |",
        ]
    expat, xml, xml_ratio = xml_side_by_side(args.folder, args.repeats)
    print(f"XML: expat {expat.seconds:.2f} s, did validate {xml.seconds:.2f} s", flush=True)
    rows += [
        f"| (d) XML floor: a bare expat parse (no handlers) | {XML_ROWS:,} | "
        f"{expat.seconds:.2f} | {expat.peak_mb:,.0f} | | |",
        f"| (d) `did validate --json` of that XML file ({xml.output}) | {XML_ROWS:,} | "
        f"{xml.seconds:.2f} | {xml.peak_mb:,.0f} | ≤ 4 × the expat parse | "
        f"{xml_ratio:.2f} ×: {verdict(xml_ratio <= 4)} |",
    ]
    stored = args.folder / "out"
    e1 = did_validate(path, received, out=stored)
    rows.append(
        f"| (e) `did validate --out DIR --rejection record`: validate, derive and store "
        f"({e1.output}) | 1,000,000 | {e1.seconds:.2f} | {e1.peak_mb:,.0f} | ≤ 800 MiB | "
        f"{verdict(e1.peak_mb <= 800)} |"
    )
    if not args.skip_5m:
        big, big_received = synthetic_file(args.folder, 5_000_000)
        e5 = did_validate(big, big_received, out=stored)
        growth = e5.peak_mb / e1.peak_mb - 1
        print(f"5M stored: {e5.seconds:.1f} s, {e5.peak_mb:,.0f} MiB", flush=True)
        rows.append(
            f"| (e) the same ({e5.output}) | 5,000,000 | {e5.seconds:.1f} | "
            f"{e5.peak_mb:,.0f} | ≤ 800 MiB; within 30 % of 1M | "
            f"{growth:+.0%} on 1M: {verdict(e5.peak_mb <= 800 and abs(growth) <= 0.30)} |"
        )
    for label, padded in padding_files(args.folder):
        f = rejected(padded, received)
        rows.append(
            f"| (f) `did validate --json` of {label} (H2: once 5.0 and 1.6 GB; "
            f"{f.output}) | 0 | {f.seconds:.2f} | {f.peak_mb:,.0f} | ≤ 800 MiB | "
            f"{verdict(f.peak_mb <= 800)} |"
        )
    load_after = os.getloadavg()[0]
    notes = [
        f"(a) and (b) ran alternately {args.repeats} times in the same run; the table shows "
        "the median run of each; the ratio for (b) is the median of the rounds' own ratios, "
        "of whole processes (the DuckDB query alone is shown beside the floor); the "
        f"rounds' ratios were {', '.join(f'{r:.2f}' for r in ratios)}. (c) is "
        "frictionless-py on the first "
        f"{FRICTIONLESS_ROWS:,} records of the same file (scripts/bench_frictionless.py), "
        "extrapolated linearly to 1,000,000: its time grows with the row count.",
        "The start-up rows are the fixed cost inside (a) and (b): the interpreter and the "
        "import of DuckDB, or of Polars and the validator, with no file read. The did "
        "package's bytecode is compiled before the runs, as installing a wheel compiles it.",
        f"CPU time (user + system) of the median runs, which other work on the machine "
        f"changes far less than wall time: (a) {a.cpu:.2f} s, (b) {b.cpu:.2f} s "
        f"({b.cpu / a.cpu:.1f} ×); (d) expat {expat.cpu:.2f} s, `did validate` "
        f"{xml.cpu:.2f} s with its second process ({xml.cpu / expat.cpu:.1f} ×). Both "
        "engines use both cores for the CSV file; for XML the floor is one process and "
        "`did validate` two, so under load from other work its ratio grows.",
        "How (b) runs (docs/adr/012, 014, 016, 017): a plain CSV file goes through Polars "
        "streaming passes of 1,000,000 records that build the 18 columns of every record "
        "and evaluate every rule on both cores (screening dates from a memo of the "
        "parser); anything that is not plain goes to the block-by-block general reader. "
        "Each rule has one implementation, in Polars. "
        "(d) reads XML through expat with two handlers per element (did/read/xml.py); a "
        "file over 16 MiB is cut after a record near its middle and the second part "
        "parsed by a second process at the same time (did/read/xml_split.py). (e) is the "
        "portal worker's pipeline: the records are normalised and spooled by the passes, "
        "and the accepted ones derived and written 100,000 at a time.",
    ]
    if args.skip_frictionless:
        notes.append("(c), frictionless-py, was skipped (`--skip-frictionless`).")
    if not bytecode_compiled():
        notes.append(
            "The libraries' bytecode was NOT compiled (a .venv from before `make install` "
            "compiled it): every process compiled Polars and DuckDB's Python source, adding "
            "most of a second to each start-up."
        )
    if args.skip_5m:
        notes.append("The 5,000,000-record memory run was skipped (`--skip-5m`).")
    notes.append(
        f"Load: the 1-minute load average was {load_before:.1f} before the run and "
        f"{load_after:.1f} after (which includes the benchmark's own processes), on "
        f"{os.cpu_count()} cores."
        + (
            " Other work was running on the machine: figures on an idle machine will be "
            "lower, and the ratios, measured side by side in each round, are what compare."
            if load_before > 0.5
            else ""
        )
    )
    write_doc(rows, notes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
