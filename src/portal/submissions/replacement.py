"""How a new file differs from the accepted one it would replace (ADR 080).

Records are matched by site code and accession number, the pair staff use to find a test
in their radiology system. A pair only in the new file is added, only in the accepted file
removed, in both with any item different changed. The two record files are scanned lazily
(keys and a row hash only), so the comparison costs the keys, not the records.
"""

import polars as pl

from did.spec.items import COLUMNS

KEY = ("site_code", "accession_number")
EXAMPLES = 10  # accession numbers shown for each kind of difference


def _keyed(path) -> pl.LazyFrame:
    # A pair can occur more than once in a file; the count and the smallest and largest row
    # hash stand for its rows, so any change to any of them shows.
    row_hash = pl.struct([pl.col(name).cast(pl.Utf8) for name in COLUMNS]).hash()
    return (
        pl.scan_parquet(path)
        .select(*(pl.col(k).cast(pl.Utf8).fill_null("") for k in KEY), row_hash.alias("h"))
        .group_by(KEY)
        .agg(pl.len().alias("n"), pl.col("h").min().alias("lo"), pl.col("h").max().alias("hi"))
    )


def difference(accepted_path, new_path) -> dict:
    """Counts of records added, removed and changed, overall and by site code, with a few
    accession numbers of each kind. Totals count records, not pairs."""
    joined = _keyed(accepted_path).join(
        _keyed(new_path), on=KEY, how="full", coalesce=True, suffix="_new"
    )
    kind = (
        pl.when(pl.col("n").is_null())
        .then(pl.lit("added"))
        .when(pl.col("n_new").is_null())
        .then(pl.lit("removed"))
        .when(
            (pl.col("n") != pl.col("n_new"))
            | (pl.col("lo") != pl.col("lo_new"))
            | (pl.col("hi") != pl.col("hi_new"))
        )
        .then(pl.lit("changed"))
        .otherwise(pl.lit("same"))
    )
    compared = joined.with_columns(kind.alias("kind")).select(
        *KEY, "kind", pl.col("n").fill_null(0), pl.col("n_new").fill_null(0)
    )
    compared = compared.collect(engine="streaming")
    sites = (
        compared.group_by("site_code")
        .agg(
            pl.col("n").sum().alias("previous"),
            pl.col("n_new").sum().alias("new"),
            *((pl.col("kind") == k).sum().alias(k) for k in ("added", "removed", "changed")),
        )
        .sort("site_code")
    )
    counts = {k: int((compared["kind"] == k).sum()) for k in ("added", "removed", "changed")}
    examples = {
        k: [
            list(row)
            for row in compared.filter(pl.col("kind") == k)
            .sort(KEY)
            .head(EXAMPLES)
            .select(KEY)
            .iter_rows()
        ]
        for k in ("added", "removed", "changed")
    }
    return {
        **counts,
        "previous_total": int(compared["n"].sum()),
        "new_total": int(compared["n_new"].sum()),
        "sites": sites.to_dicts(),
        "examples": examples,
    }
