"""Seeded, column-wise random numbers.

numpy is not a dependency; pyarrow's seeded generator (`pyarrow.compute.random`) gives a
column of uniform doubles in one call, which is all the generator needs. Every column has its
own named stream so adding a column never shifts the values of another.
"""

import hashlib
from collections.abc import Sequence

import polars as pl
import pyarrow.compute as pc


class Streams:
    def __init__(self, seed: int, *scope: object) -> None:
        self.seed = seed
        self.scope = ":".join(str(part) for part in scope)

    def _key(self, name: str) -> int:
        digest = hashlib.blake2b(f"{self.seed}|{self.scope}|{name}".encode(), digest_size=8)
        return int.from_bytes(digest.digest(), "big") >> 1  # a non-negative int64

    def uniform(self, name: str, n: int) -> pl.Series:
        """n uniform doubles in [0, 1)."""
        return pl.Series(name, pc.random(n, initializer=self._key(name)))

    def integers(self, name: str, n: int, high: int | pl.Series) -> pl.Series:
        """n integers in [0, high); `high` may vary per row."""
        values = (self.uniform(name, n) * high).floor().cast(pl.Int64)
        return values.alias(name)

    def choice(
        self, name: str, n: int, values: Sequence[object], weights: Sequence[float]
    ) -> pl.Series:
        """n draws from `values` with the given (unnormalised) weights."""
        return pl.Series(name, list(values)).gather(self.index(name, n, weights))

    def index(self, name: str, n: int, weights: Sequence[float]) -> pl.Series:
        """n indexes into `weights`, drawn in proportion to them."""
        total = float(sum(weights))
        edges, running = [], 0.0
        for weight in weights[:-1]:
            running += weight / total
            edges.append(running)
        u = self.uniform(name, n)
        return pl.Series(edges, dtype=pl.Float64).search_sorted(u, side="right").cast(pl.Int64)

    def normal(self, name: str, n: int) -> pl.Series:
        """n standard normal draws (Box-Muller)."""
        u1 = 1.0 - self.uniform(f"{name}.1", n)  # (0, 1]: log is finite
        u2 = self.uniform(f"{name}.2", n)
        return ((-2.0 * u1.log()).sqrt() * (2.0 * 3.141592653589793 * u2).cos()).alias(name)
