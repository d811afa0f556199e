"""DID files in, derived-record Parquet out: the input side of `did publish`.

Files are taken as already-accepted data: read (CSV, XML or zip), trimmed, derived with the
imaging code reference, written batch by batch as Parquet - no validation and no age
cut-off. Each input is recorded with its SHA-256 so the release says exactly what it used.
"""

from collections.abc import Iterable
from pathlib import Path

import polars as pl

from did.derive import derive
from did.publish.release import sha256_file
from did.read import open_records
from did.spec.items import COLUMNS

SUFFIXES = {".csv", ".xml", ".zip", ".txt"}


def expand(inputs: Iterable[Path | str]) -> list[Path]:
    """Files as given, and the DID files (csv, xml, zip) inside any folder, sorted."""
    files: list[Path] = []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            found = sorted(
                p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES
            )
            if not found:
                raise ValueError(f"{path} holds no DID files (.csv, .xml or .zip)")
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise ValueError(f"{path} does not exist")
    return files


def _tidy(batch: pl.DataFrame) -> pl.DataFrame:
    """Trim every item; blank becomes null; codes upper case (as the store holds them)."""
    tidy = [
        pl.col(c).cast(pl.Utf8).str.strip_chars().replace("", None).alias(c)
        for c in COLUMNS
        if c in batch.columns
    ]
    return batch.with_columns(tidy).with_columns(pl.col("nicip_code").str.to_uppercase())


def to_parquet(
    inputs: Iterable[Path | str], folder: Path, *, codes=None, reference=None
) -> tuple[list[Path], list[dict]]:
    """Derive every record of every input into Parquet files under `folder`.

    Returns (parquet files, [{"id": input path, "sha256": ...}])."""
    folder.mkdir(parents=True, exist_ok=True)
    parquet: list[Path] = []
    recorded: list[dict] = []
    for number, path in enumerate(expand(inputs)):
        recorded.append({"id": path.as_posix(), "sha256": sha256_file(path)})
        with open_records(path) as source:
            for part, batch in enumerate(source.batches()):
                derived = derive(_tidy(batch), reference, codes)
                out = folder / f"input-{number:05d}-{part:05d}.parquet"
                derived.write_parquet(out)
                parquet.append(out)
    return parquet, recorded


def periods_present(files: list[Path]) -> tuple[str, str] | None:
    """The first and last reporting period in derived-record Parquet files."""
    span = (
        pl.scan_parquet([str(f) for f in files])
        .select(pl.col("period").min().alias("first"), pl.col("period").max().alias("last"))
        .collect()
    )
    first, last = span.row(0)
    return (first, last) if first else None
