"""Reference-data rules as column expressions over the work frame.

Lookups use `is_in` and `replace_strict` against the (small, deduplicated) reference
frames, so they stay column-wise and keep record order.
"""

import polars as pl

from did.reference import NICIP, SNOMED_CT, Reference
from did.spec.codes import (
    GP_PRACTICE_DEFAULT_CODES,
    PSEUDO_POSTCODE_PREFIX,
    REFERRING_ORGANISATION_DEFAULT_CODES,
)
from did.spec.rules import RECORD_RULES, Needs

GRACE = "6mo"


def available(reference: Reference | None, codes: pl.DataFrame | None) -> set[Needs]:
    have = {Needs.NOTHING}
    if reference is not None and reference.organisations is not None:
        have.add(Needs.ORGANISATIONS)
    if reference is not None and reference.postcodes is not None:
        have.add(Needs.POSTCODES)
    if codes is not None:
        have.add(Needs.CODES)
    return have


def not_checked(reference: Reference | None, codes: pl.DataFrame | None) -> list[str]:
    have = available(reference, codes)
    return [rule.code for rule in RECORD_RULES if rule.needs not in have]


def _lookup(column: str, table: pl.DataFrame, key: str, value: str) -> pl.Expr:
    """table[value] for each record's column value, null when absent."""
    return pl.col(column).replace_strict(
        old=table[key], new=table[value], default=None, return_dtype=table.schema[value]
    )


def _open_on(column: str, table: pl.DataFrame, on: pl.Expr) -> pl.Expr:
    opened = _lookup(column, table, "code", "open_date")
    closed = _lookup(column, table, "code", "close_date")
    return (opened.is_null() | (opened <= on)) & (closed.is_null() | (closed >= on))


def organisation_masks(organisations: pl.DataFrame) -> dict[str, pl.Expr]:
    known = organisations["code"].implode()
    gp, org, site = pl.col("_gp"), pl.col("_referring_org"), pl.col("_site")
    test, request = pl.col("_test"), pl.col("_request")
    gp_default = gp.is_in(list(GP_PRACTICE_DEFAULT_CODES))
    org_default = org.is_in(list(REFERRING_ORGANISATION_DEFAULT_CODES))
    gp_known = gp.is_in(known)
    org_known = org.is_in(known)
    site_known = site.is_in(known)
    org_date = pl.coalesce(request, test)
    return {
        "DIDS018": gp.is_not_null() & ~gp_default & ~gp_known,
        "DIDS080": gp_known & test.is_not_null() & ~_open_on("_gp", organisations, test),
        "DIDS024": org.is_not_null() & ~org_default & ~org_known,
        "DIDS079": org_known
        & org_date.is_not_null()
        & ~_open_on("_referring_org", organisations, org_date),
        "DIDS068": site.is_not_null() & ~site_known,
        "DIDS081": site_known & test.is_not_null() & ~_open_on("_site", organisations, test),
    }


def postcode_masks(postcodes: pl.DataFrame) -> dict[str, pl.Expr]:
    postcode = pl.col("_postcode")
    return {
        "DIDS016": postcode.is_not_null()
        & ~postcode.str.starts_with(PSEUDO_POSTCODE_PREFIX)
        & ~postcode.is_in(postcodes["postcode"].implode()),
    }


def _validity(column: str, table: pl.DataFrame) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """(known, valid on the test date, valid within the 6-month grace) for a code column."""
    test = pl.col("_test")
    known = pl.col(column).is_in(table["code"].implode())
    valid_from = _lookup(column, table, "code", "valid_from")
    valid_to = _lookup(column, table, "code", "valid_to")
    valid = (valid_from.is_null() | (valid_from <= test)) & (
        valid_to.is_null() | (valid_to >= test)
    )
    graced = (valid_from.is_null() | (valid_from <= test.dt.offset_by(GRACE))) & (
        valid_to.is_null() | (valid_to >= test.dt.offset_by(f"-{GRACE}"))
    )
    return known, valid, graced


def code_masks(codes: pl.DataFrame) -> dict[str, pl.Expr]:
    nicip_table = codes.filter(pl.col("code_system") == NICIP)
    snomed_table = codes.filter(pl.col("code_system") == SNOMED_CT)
    test = pl.col("_test")
    masks: dict[str, pl.Expr] = {}
    for column, table, error, warning in (
        ("_nicip", nicip_table, "DIDS057", "DIDS077"),
        ("snomed_code", snomed_table, "DIDS059", "DIDS078"),
    ):
        known, valid, graced = _validity(column, table)
        present = pl.col(column).is_not_null()
        dated = test.is_not_null()
        masks[error] = present & (~known | (dated & ~valid & ~graced))
        masks[warning] = present & known & dated & ~valid & graced
    mapped = _lookup("_nicip", nicip_table, "code", "snomed_map")
    masks["DIDS082"] = (
        pl.col("snomed_code").is_not_null()
        & mapped.is_not_null()
        & (mapped != pl.col("snomed_code"))
    )
    return masks


def reference_masks(reference: Reference | None, codes: pl.DataFrame | None) -> dict[str, pl.Expr]:
    masks: dict[str, pl.Expr] = {}
    if reference is not None and reference.organisations is not None:
        masks.update(organisation_masks(reference.organisations))
    if reference is not None and reference.postcodes is not None:
        masks.update(postcode_masks(reference.postcodes))
    if codes is not None:
        masks.update(code_masks(codes))
    return masks
