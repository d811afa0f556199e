"""DIDS XML output (spec did-data-set.md §2.2), built column-wise a chunk at a time.

One DIDSRecord per imaging activity, so the position of an ImagingActivity in the document
equals the record number of the same record in the CSV. Blank values are left out (the
schema's optional elements) rather than written as empty elements.
"""

from typing import BinaryIO

import polars as pl

from did.spec.items import ITEMS

GROUPS = (
    ("PersonalAndDemographics", range(1, 8)),
    ("Referrals", range(8, 13)),
    ("ImagingActivity", range(13, 19)),
)


def _escaped(column: str) -> pl.Expr:
    return (
        pl.col(column)
        .str.replace_all("&", "&amp;", literal=True)
        .str.replace_all("<", "&lt;", literal=True)
        .str.replace_all(">", "&gt;", literal=True)
        .str.replace_all('"', "&quot;", literal=True)
    )


# By item number, which follows the schema's element order (did.spec.items).
_BY_NUMBER = {item.number: item for item in ITEMS}


def _element(number: int) -> pl.Expr:
    item = _BY_NUMBER[number]
    value = _escaped(item.name)
    tag = item.xml_element
    if item.xml_value == "text":
        markup = pl.lit(f"<{tag}>") + value + pl.lit(f"</{tag}>")
    elif item.xml_value == "postalCode":
        markup = pl.lit(f"<{tag}><postalCode>") + value + pl.lit(f"</postalCode></{tag}>")
    else:
        attribute = item.xml_value.removeprefix("@")
        markup = pl.lit(f'<{tag} {attribute}="') + value + pl.lit('"/>')
    return pl.when(pl.col(item.name) != "").then(markup).otherwise(pl.lit(""))


def record_markup() -> pl.Expr:
    parts: list[pl.Expr] = [pl.lit("<DIDSRecord>")]
    for group, numbers in GROUPS:
        parts.append(pl.lit(f"<{group}>"))
        parts.extend(_element(n) for n in numbers)
        parts.append(pl.lit(f"</{group}>"))
    parts.append(pl.lit("</DIDSRecord>"))
    return pl.concat_str(parts).alias("xml")


def xml_header() -> bytes:
    return b'<?xml version="1.0" encoding="UTF-8"?>\n<DIDS>\n'


def xml_footer() -> bytes:
    return b"</DIDS>\n"


def write_xml_chunk(records: pl.DataFrame, handle: BinaryIO) -> None:
    records.select(record_markup()).write_csv(handle, include_header=False, quote_style="never")
