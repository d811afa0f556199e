"""`did synth` files for portal tests, and the ODS reference data that makes them valid."""

import csv
from pathlib import Path

import polars as pl

from did import synth
from did.spec.codes import GP_PRACTICE_DEFAULT_CODES, REFERRING_ORGANISATION_DEFAULT_CODES
from did.spec.items import COLUMNS
from portal.organisations.demo import DEMO_DIR
from portal.organisations.services import import_ods_files

# One provider: the first demo trust, RJ1, with its sites RJ121 and RJ122.
PROVIDER = "RJ1"
ODS_COLUMNS = 27


def write(path: Path, rows: int, period: str, *, seed: int, error_rate: float = 0.0) -> dict:
    """Write a synthetic CSV for RJ1; return its manifest (injected errors by record)."""
    return synth.write(path, rows, period, provider_count=1, seed=seed, error_rate=error_rate)


def read(path: Path) -> pl.DataFrame:
    """A submission CSV (18 columns, no header) as strings, blanks as nulls."""
    return pl.read_csv(path, has_header=False, infer_schema=False, new_columns=list(COLUMNS))


def register_organisations(*paths: Path, folder: Path) -> None:
    """Import through the ODS importer the trust, its sites, and every GP practice and
    referring organisation the files name, as the national ODS files would list them."""
    import_ods_files([DEMO_DIR / "etr.csv", DEMO_DIR / "ets.csv"], actor="test")
    named = pl.concat(
        [read(path).select(pl.col("gp_practice").alias("code")) for path in paths]
        + [read(path).select(pl.col("referring_org").alias("code")) for path in paths]
    )
    defaults = [*GP_PRACTICE_DEFAULT_CODES, *REFERRING_ORGANISATION_DEFAULT_CODES]
    trusts = {row[0] for row in csv.reader((DEMO_DIR / "etr.csv").open())}
    codes = sorted(set(named["code"].drop_nulls().to_list()) - set(defaults) - trusts)
    practices = folder / "epraccur.csv"
    with practices.open("w", newline="") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_ALL)
        for code in codes:
            row = [""] * ODS_COLUMNS
            row[:4] = [code, f"SURGERY {code}", "Y56", "Q71"]
            row[10] = "19740401"
            writer.writerow(row)
    import_ods_files([practices], actor="test")
