"""The reference data the portal holds, in the shape the DID engine wants.

Organisations (trusts, their sites with parent codes, GP practices) come from the
organisations app's ODS tables; the imaging code reference is a CSV file
(SUBMISSIONS_IMAGING_CODES, else the engine's starter file). Both are cached per process
and rebuilt when the source changes.
"""

from pathlib import Path

import polars as pl
from django.conf import settings
from django.db.models import Count, Max

from did.imaging_codes import starter_codes_path
from did.reference import Reference, load_codes, normalise_organisations
from portal.organisations.models import Organisation

_cache: dict[str, tuple[object, object]] = {}


def organisations_frame() -> pl.DataFrame:
    stamp = Organisation.objects.aggregate(n=Count("pk"), latest=Max("updated_at"))
    cached = _cache.get("organisations")
    if cached and cached[0] == stamp:
        return cached[1]
    rows = list(
        Organisation.objects.values_list("code", "kind", "parent_code", "open_date", "close_date")
    )
    frame = pl.DataFrame(
        rows,
        schema={
            "code": pl.String,
            "kind": pl.String,
            "parent_code": pl.String,
            "open_date": pl.Date,
            "close_date": pl.Date,
        },
        orient="row",
    ).with_columns(
        pl.when(pl.col("parent_code") == "")
        .then(None)
        .otherwise(pl.col("parent_code"))
        .alias("parent_code")
    )
    frame = normalise_organisations(frame)
    _cache["organisations"] = (stamp, frame)
    return frame


def reference() -> Reference:
    return Reference(organisations=organisations_frame())


def imaging_codes_path() -> Path | None:
    configured = settings.SUBMISSIONS_IMAGING_CODES
    if configured:
        return Path(configured)
    return starter_codes_path()


def imaging_codes() -> pl.DataFrame | None:
    path = imaging_codes_path()
    if path is None:
        return None
    stamp = (str(path), path.stat().st_mtime_ns)
    cached = _cache.get("codes")
    if cached and cached[0] == stamp:
        return cached[1]
    codes = load_codes(path)
    _cache["codes"] = (stamp, codes)
    return codes
