"""Compare `did validate --json` of this working tree with another revision's, live.

    .venv/bin/python scripts/compare_reports.py [--base main] [--bench-folder var/bench]

Runs both engines side by side on the tests' fixture files (tests/data/did: with and
without the reference data and imaging codes, under both policies) and on the benchmark
files `scripts/bench.py` makes (the 1,000,000-record CSV and the 200,000-record XML, when
they are there), and on the CSV also `--out DIR`, whose two Parquet files must hold the
same frames. The base revision's engine is taken from git (`git archive`) into a temporary
folder and run with the same interpreter, so only the engine's code differs. Nothing is
written to the repository. Exit status 1 when any report differs.
"""

import argparse
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

import polars as pl
from polars.testing import assert_frame_equal

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "did"
RECEIVED = "2026-10-15"  # the fixtures' receipt date (tests/did/records.py)
BENCH_RECEIVED = "2025-07-07"  # `did synth --period 2025-06` files are received a week after
REFERENCE = ["--reference", str(DATA / "reference"), "--codes", str(DATA / "codes.csv")]


def cases(bench: Path) -> list[tuple[str, list[str]]]:
    """(name, arguments after `did validate --json`) of every comparison."""
    out = []
    for path in sorted(DATA.glob("*.csv")) + sorted(DATA.glob("*.xml")):
        if path.name == "codes.csv":
            continue
        for policy in ("portal", "dsp"):
            base = ["--received", RECEIVED, "--policy", policy, str(path)]
            out.append((f"{path.name} {policy}", base))
            out.append((f"{path.name} {policy} + reference", [*REFERENCE, *base]))
        out.append(
            (f"{path.name} period + providers", [*REFERENCE, "--received", RECEIVED,
             "--period", "2026-09", "--providers", "RR8", str(path)])
        )  # fmt: skip
    for name in ("synth-1000000.csv", "synth-200000.xml"):
        if (bench / name).is_file():
            out.append((name, ["--received", BENCH_RECEIVED, str(bench / name)]))
    return out


def engine_source(revision: str, into: Path) -> Path:
    """The `src` folder of `revision`, extracted into `into`."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", revision, "src"], check=True, capture_output=True
    ).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into / "src"


def did_validate(source: Path, arguments: list[str]) -> tuple[int, bytes]:
    """Exit status and standard output of `did validate --json ...` run from `source`."""
    program = "import sys; sys.path.insert(0, sys.argv.pop(1)); from did.cli import main; main()"
    command = [sys.executable, "-c", program, str(source), "validate", "--json", *arguments]
    result = subprocess.run(command, capture_output=True, check=False)
    return result.returncode, result.stdout


def stored_frames_agree(base: Path, here: Path, folder: Path, csv: Path) -> bool:
    outs = []
    for name, source in (("base", base), ("here", here)):
        out = folder / f"out-{name}"
        did_validate(source, ["--received", BENCH_RECEIVED, "--rejection", "record",
                              "--out", str(out), str(csv)])  # fmt: skip
        outs.append(out)
    for file in ("records.parquet", "issues.parquet"):
        try:
            assert_frame_equal(pl.read_parquet(outs[0] / file), pl.read_parquet(outs[1] / file))
        except AssertionError as difference:
            print(f"  {file}: {difference}")
            return False
    return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="main", help="revision to compare with")
    parser.add_argument("--bench-folder", type=Path, default=ROOT / "var" / "bench")
    args = parser.parse_args()
    here = ROOT / "src"
    differences = 0
    with tempfile.TemporaryDirectory(prefix="compare-reports-") as work:
        base = engine_source(args.base, Path(work))
        for name, arguments in cases(args.bench_folder):
            expected, got = did_validate(base, arguments), did_validate(here, arguments)
            same = expected == got
            differences += not same
            print(f"{'same' if same else 'DIFFERENT':9} {name} (exit {got[0]}, "
                  f"{len(got[1]):,} bytes)", flush=True)  # fmt: skip
        csv = args.bench_folder / "synth-1000000.csv"
        if csv.is_file():
            same = stored_frames_agree(base, here, Path(work), csv)
            differences += not same
            print(f"{'same' if same else 'DIFFERENT':9} {csv.name} --out: records and issues")
    print(f"{differences} difference(s) from {args.base}")
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
