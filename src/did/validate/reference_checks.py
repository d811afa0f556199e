"""Reference-data rules as column expressions over the work frame.

Lookups use `is_in` and did.lookup against the (small, deduplicated) reference frames, so
they stay column-wise, keep record order and stream.
"""

import polars as pl

from did.derive import provider_code
from did.lookup import lookup
from did.reference import NICIP, SNOMED_CT, Reference
from did.spec.codes import (
    GP_PRACTICE_DEFAULT_CODES,
    PSEUDO_POSTCODE_PREFIX,
    REFERRING_ORGANISATION_DEFAULT_CODES,
)
from did.spec.rules import RECORD_RULES, Needs
from did.validate.checks import site_code_malformed

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


# Rules about what the file was sent for (a period, a submitter) are not reference rules:
# without them there is nothing to check, so they are not listed as not checked.
_SUBMISSION_NEEDS = {Needs.PERIOD, Needs.PROVIDERS}


def not_checked(reference: Reference | None, codes: pl.DataFrame | None) -> list[str]:
    """The reference rules that cannot be checked for want of reference data."""
    have = available(reference, codes) | _SUBMISSION_NEEDS
    return [rule.code for rule in RECORD_RULES if rule.needs not in have]


def _row_of(column: str, table: pl.DataFrame, fields: tuple[str, ...]) -> pl.Expr:
    """The `fields` of the table's row whose code is the record's `column` value, as one
    struct column (null when there is none): one lookup serves every rule that reads them.
    Named `{column}_row`; the helpers read it in a second step (reference_helpers)."""
    rows = table.select(*fields).to_struct("row")
    return lookup(pl.col(column), table["code"], rows).alias(f"{column}_row")


def _field(column: str, field: str) -> pl.Expr:
    return pl.col(f"{column}_row").struct.field(field)


def _open_on(column: str, on: pl.Expr) -> pl.Expr:
    opened, closed = _field(column, "open_date"), _field(column, "close_date")
    return (opened.is_null() | (opened <= on)) & (closed.is_null() | (closed >= on))


# The organisation columns the ODS rules read, and the date each must be open on.
_ORGANISATION_DATES = {
    "_gp": pl.col("_test"),
    "_referring_org": pl.coalesce(pl.col("_request"), pl.col("_test")),
    "_site": pl.col("_test"),
}


# The ODS kinds a GP practice code may name (DIDS018): a GP practice or another
# prescribing cost centre. An organisation whose kind is not given is taken at its word.
GP_PRACTICE_KINDS = ("gp_practice", "prescribing_cost_centre")


def _known_to(organisations: pl.DataFrame, column: str) -> pl.DataFrame:
    """The organisations a column's code may name: for the GP practice, those of a GP kind."""
    if column != "_gp" or "kind" not in organisations.columns:
        return organisations
    kind = pl.col("kind").cast(pl.String).str.strip_chars().str.to_lowercase()
    return organisations.filter(kind.is_null() | (kind == "") | kind.is_in(GP_PRACTICE_KINDS))


def organisation_helpers(organisations: pl.DataFrame) -> list[list[pl.Expr]]:
    """Whether each organisation column's code is known and open on its date, once per
    batch (read by two rules each; see code_helpers): the organisation's dates looked up,
    then compared."""
    rows: list[pl.Expr] = []
    helpers: list[pl.Expr] = []
    for column, on in _ORGANISATION_DATES.items():
        table = _known_to(organisations, column)
        rows.append(_row_of(column, table, ("open_date", "close_date")))
        helpers += [
            pl.col(column).is_in(table["code"].implode()).alias(f"{column}_known"),
            _open_on(column, on).alias(f"{column}_open"),
        ]
    return [rows, helpers]


def organisation_masks() -> dict[str, pl.Expr]:
    """The ODS rules, over the columns of organisation_helpers."""
    gp, org, site = pl.col("_gp"), pl.col("_referring_org"), pl.col("_site")
    gp_default = gp.is_in(list(GP_PRACTICE_DEFAULT_CODES))
    org_default = org.is_in(list(REFERRING_ORGANISATION_DEFAULT_CODES))
    gp_known, org_known, site_known = (
        pl.col(f"{column}_known") for column in ("_gp", "_referring_org", "_site")
    )
    test = pl.col("_test")
    return {
        "DIDS018": gp.is_not_null() & ~gp_default & ~gp_known,
        "DIDS080": gp_known & test.is_not_null() & ~pl.col("_gp_open"),
        "DIDS024": org.is_not_null() & ~org_default & ~org_known,
        "DIDS079": org_known
        & _ORGANISATION_DATES["_referring_org"].is_not_null()
        & ~pl.col("_referring_org_open"),
        # Only a well-formed site code is looked up (DIDS069 reports the others).
        "DIDS068": site.is_not_null() & ~site_code_malformed() & ~site_known,
        "DIDS081": site_known & test.is_not_null() & ~pl.col("_site_open"),
    }


def postcode_masks(postcodes: pl.DataFrame) -> dict[str, pl.Expr]:
    postcode = pl.col("_postcode")
    return {
        "DIDS016": postcode.is_not_null()
        & ~postcode.str.starts_with(PSEUDO_POSTCODE_PREFIX)
        & ~postcode.is_in(postcodes["postcode"].implode()),
    }


def _validity(column: str, table: pl.DataFrame) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """(known, valid on the test date, valid within the 6-month grace) for a code column,
    from its `_row_of` column."""
    test = pl.col("_test")
    known = pl.col(column).is_in(table["code"].implode())
    valid_from, valid_to = _field(column, "valid_from"), _field(column, "valid_to")
    valid = (valid_from.is_null() | (valid_from <= test)) & (
        valid_to.is_null() | (valid_to >= test)
    )
    graced = (valid_from.is_null() | (valid_from <= test.dt.offset_by(GRACE))) & (
        valid_to.is_null() | (valid_to >= test.dt.offset_by(f"-{GRACE}"))
    )
    return known, valid, graced


# The code columns the imaging code rules read, their code system, the prefix of their
# helper columns, and the rule for an unknown or invalid code and for a code valid only
# within the grace period.
_CODE_RULES = (
    ("_nicip", NICIP, "_nicip", "DIDS057", "DIDS077"),
    ("snomed_code", SNOMED_CT, "_snomed", "DIDS059", "DIDS078"),
)


def code_helpers(codes: pl.DataFrame) -> list[list[pl.Expr]]:
    """Helper columns the imaging code rules share, added once per batch before the masks
    run: each is read by two rules, and Polars does not reliably reuse a sub-expression
    repeated across outputs (the same reason as checks.prepare). Halves the cost of the
    code rules on a million records. The codes' rows are looked up first, then read."""
    tables = {
        system: codes.filter(pl.col("code_system") == system) for system in (NICIP, SNOMED_CT)
    }
    rows: list[pl.Expr] = []
    helpers: list[pl.Expr] = []
    for column, system, prefix, _, _ in _CODE_RULES:
        fields = (
            ("valid_from", "valid_to", "snomed_map")
            if system == NICIP
            else ("valid_from", "valid_to")
        )
        rows.append(_row_of(column, tables[system], fields))
        known, valid, graced = _validity(column, tables[system])
        helpers += [
            known.alias(f"{prefix}_known"),
            valid.alias(f"{prefix}_valid"),
            graced.alias(f"{prefix}_graced"),
        ]
    helpers.append(_field("_nicip", "snomed_map").alias("_nicip_mapped"))
    return [rows, helpers]


def code_masks() -> dict[str, pl.Expr]:
    """The imaging code rules, over the columns of code_helpers."""
    dated = pl.col("_test").is_not_null()
    masks: dict[str, pl.Expr] = {}
    for column, _, prefix, error, warning in _CODE_RULES:
        known = pl.col(f"{prefix}_known")
        valid = pl.col(f"{prefix}_valid")
        graced = pl.col(f"{prefix}_graced")
        present = pl.col(column).is_not_null()
        masks[error] = present & (~known | (dated & ~valid & ~graced))
        masks[warning] = present & known & dated & ~valid & graced
    # Whether the NICIP code maps to the SNOMED CT code is asked only when both are given
    # and both pass their own rule (DIDS057, DIDS059), as the pipeline does.
    mapped = pl.col("_nicip_mapped")
    both_valid = ~masks["DIDS057"] & ~masks["DIDS059"]
    masks["DIDS082"] = (
        pl.col("snomed_code").is_not_null()
        & mapped.is_not_null()
        & both_valid
        & (mapped != pl.col("snomed_code"))
    )
    return masks


def reference_helpers(
    reference: Reference | None, codes: pl.DataFrame | None
) -> list[list[pl.Expr]]:
    """The helper columns the reference masks read, for the reference data given, in the
    steps they are added in (a step reads the columns of the steps before it)."""
    steps: list[list[pl.Expr]] = [[], []]
    if reference is not None and reference.organisations is not None:
        for step, helpers in zip(steps, organisation_helpers(reference.organisations), strict=True):
            step += helpers
    if codes is not None:
        for step, helpers in zip(steps, code_helpers(codes), strict=True):
            step += helpers
    return [step for step in steps if step]


def provider_masks(organisations: pl.DataFrame, providers: frozenset[str]) -> dict[str, pl.Expr]:
    """DIDP117: a known site whose provider (did.derive.provider_code) is not one the
    submitting organisation may submit for."""
    provider = provider_code(organisations)
    return {"DIDP117": pl.col("_site_known") & ~provider.is_in(sorted(providers))}


def reference_masks(
    reference: Reference | None,
    codes: pl.DataFrame | None,
    providers: frozenset[str] | None = None,
) -> dict[str, pl.Expr]:
    masks: dict[str, pl.Expr] = {}
    if reference is not None and reference.organisations is not None:
        masks.update(organisation_masks())
        if providers is not None:
            masks.update(provider_masks(reference.organisations, providers))
    if reference is not None and reference.postcodes is not None:
        masks.update(postcode_masks(reference.postcodes))
    if codes is not None:
        masks.update(code_masks())
    return masks
