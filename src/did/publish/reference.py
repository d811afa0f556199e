"""Reference data for publications: cancer test groups and provider regions.

Both ship as small CSV files in did/data/ and can be replaced by the caller's own.
"""

from pathlib import Path

import polars as pl

from did.imaging_codes import NICIP, SNOMED_CT

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
CANCER_GROUPS_CSV = DATA_DIR / "cancer_test_groups.csv"
PROVIDER_REGIONS_CSV = DATA_DIR / "provider_regions.csv"


def _read(path: Path, columns: list[str]) -> pl.DataFrame:
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"{path} does not exist")
    frame = pl.read_csv(path, infer_schema=False)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{path.name} needs the column(s) {', '.join(missing)}")
    return frame.select([pl.col(c).str.strip_chars() for c in columns])


def load_cancer_groups(path: Path = CANCER_GROUPS_CSV) -> tuple[pl.DataFrame, tuple[str, ...]]:
    """(code_system, code, cancer_group) rows, and the groups in the order first listed."""
    frame = _read(path, ["code_system", "code", "cancer_group"]).with_columns(
        pl.col("code_system").str.to_uppercase().replace({"SNOMED": SNOMED_CT})
    )
    bad = sorted(set(frame["code_system"]) - {NICIP, SNOMED_CT})
    if bad:
        raise ValueError(f"{Path(path).name}: code_system must be NICIP or SNOMED-CT, not {bad}")
    order = tuple(dict.fromkeys(frame["cancer_group"].to_list()))
    return frame, order


OPTIONAL_PLACE_COLUMNS = ("region_name", "icb_code", "provider_name")


def load_regions(path: Path = PROVIDER_REGIONS_CSV) -> pl.DataFrame:
    """provider_code and region_code, and where the file has them region_name, icb_code
    and provider_name (build.provider_places fills the rest)."""
    frame = _read(path, ["provider_code", "region_code"])
    extra = pl.read_csv(path, infer_schema=False)
    present = [c for c in OPTIONAL_PLACE_COLUMNS if c in extra.columns]
    return frame.with_columns(extra.select(pl.col(c).str.strip_chars() for c in present))
