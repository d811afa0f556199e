"""Publications: the public statistics built from accepted DID records.

The pipeline, in the order it runs:

1. an engine (DuckDB in-process, or Spark) reads the derived-record Parquet files and
   computes exact integer counts ("cubes", `cubes.py`): the only work that touches records;
2. `build.py` turns the cubes into the published tables (totals, medians, completeness)
   in Polars, the same code whichever engine ran;
3. `disclosure.py` applies disclosure control to every count before anything is written;
4. `release.py` writes the tables as CSV and JSON, byte for byte reproducible.

Nothing here imports Django; the portal's publications app calls `publish` below.
"""

from did.publish.build import Publication, PublishOptions, build_tables
from did.publish.engines import ENGINES, compute_cubes
from did.publish.periods import Window, annual_window, monthly_window
from did.publish.release import write_release
from did.publish.tables import TABLES

__all__ = [
    "ENGINES",
    "TABLES",
    "Publication",
    "PublishOptions",
    "Window",
    "annual_window",
    "build_tables",
    "compute_cubes",
    "monthly_window",
    "publish",
    "write_release",
]


def publish(files, window: Window, *, engine: str = "duckdb", options=None, spark_master=None):
    """Compute every published table for `window` from derived-record Parquet `files`:
    paths (for Spark also addresses such as s3a://bucket/key), or for DuckDB open binary
    files (how the portal hands over objects from object storage)."""
    options = options or PublishOptions()
    cubes = compute_cubes(
        files,
        window,
        engine=engine,
        cancer_codes=options.cancer_codes,
        spark_master=spark_master,
        practices=options.practices,
    )
    return build_tables(cubes, window, options)
