"""Looking values up in a small table, as an expression the streaming engine can stream.

Polars runs `replace_strict` with a table (its `old` and `new` given as Series, lists or
a dict) as a columnar function, which its streaming engine cannot stream: it falls back
to the in-memory engine, which gathers the whole input first (deriving 5,000,000 stored
records took 2.4 GiB that way, 1,000,000 took 0.6 GiB; docs/adr/016). `lookup` applies
the same `replace_strict` to one batch of the stream at a time instead, so memory stays
bounded by the batch. The reference rules look organisations and codes up with it in the
whole-file passes, and the derivations (which also run on plain frames) with it too.
"""

import polars as pl


def lookup(keys: pl.Expr, old: pl.Series, new: pl.Series) -> pl.Expr:
    """`new[i]` for each value of `keys` equal to `old[i]`; null where it equals none.

    `old` holds each key once (as `replace_strict` requires); the result has `new`'s type.
    """
    dtype = new.dtype

    def replace(values: pl.Series) -> pl.Series:
        return values.replace_strict(old, new, default=None, return_dtype=dtype)

    return keys.map_batches(replace, return_dtype=dtype, is_elementwise=True)
