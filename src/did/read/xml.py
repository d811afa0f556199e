"""Streaming, safe XML reader for the DIDS schema (spec did-data-set.md §2.2).

Each ImagingActivity becomes one record carrying its DIDSRecord's patient and referral
details; record numbers are the 1-based positions of the ImagingActivity elements in the
document. Parsing uses defusedxml's iterparse with DTDs, entities and external references
forbidden (a DOCTYPE alone is a reject), and clears each DIDSRecord once it is read, so
memory stays bounded by the batch size.
"""

from collections.abc import Iterator
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError

import polars as pl
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from did.read.errors import FileRejected
from did.read.frame import RECORD_NUMBER, SCHEMA
from did.spec.items import COLUMNS, ITEMS

BATCH_RECORDS = 100_000

_BY_ELEMENT = {item.xml_element: item for item in ITEMS}
# The schema's grouping elements inside a DIDSRecord, besides ImagingActivity.
_GROUPS = frozenset({"PersonalAndDemographics", "Referrals"})


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _value(element: Element, how: str) -> str:
    """The item's value: the spec's attribute, else a sensible fallback, else ''."""
    attrib = {_local(k): v for k, v in element.attrib.items()}
    if how == "postalCode":
        for child in element.iter():
            if _local(child.tag) == "postalCode":
                return child.text or ""
        return ""
    if how == "@code":
        found = attrib.get("code", attrib.get("extension", attrib.get("value")))
    elif how == "@extension":
        found = attrib.get("extension", attrib.get("code", attrib.get("value")))
    else:
        found = None
    if found is None:
        found = element.text or attrib.get("value") or ""
    return found


def _new_columns() -> dict[str, list]:
    return {name: [] for name in SCHEMA}


def read_xml(path: Path) -> Iterator[pl.DataFrame]:
    columns = _new_columns()
    activities = 0
    record_fields: dict[str, str] = {}
    record_activities: list[dict[str, str]] = []
    activity: dict[str, str] | None = None
    records_seen = 0
    root: Element | None = None
    path_names: list[str] = []  # the open elements, root first: its length is the depth
    item_depth = 0  # the depth of the item element being read, 0 outside one
    try:
        with path.open("rb") as handle:
            parser = iterparse(
                handle,
                events=("start", "end"),
                forbid_dtd=True,
                forbid_entities=True,
                forbid_external=True,
            )
            for event, element in parser:
                name = _local(element.tag)
                if event == "start":
                    path_names.append(name)
                    depth = len(path_names)
                    if depth == 1:
                        root = element
                        if name != "DIDS":
                            raise FileRejected(
                                "DIDS076",
                                f"The root element is {name}; a DID XML file starts with <DIDS>.",
                            )
                    elif item_depth:
                        pass  # inside an item: its parts (such as postalCode) are its own
                    elif depth == 2 and name == "DIDSRecord":
                        record_fields, record_activities = {}, []
                    elif depth == 3 and name == "ImagingActivity":
                        activity = {}
                    elif depth == 3 and name in _GROUPS:
                        pass
                    elif depth in (3, 4) and name in _BY_ELEMENT:
                        item_depth = depth
                    else:
                        raise _not_in_schema(path_names, records_seen + 1)
                    continue
                level = len(path_names)
                path_names.pop()
                if level == 2 and name == "DIDSRecord":
                    if not record_activities:
                        raise FileRejected(
                            "DIDS076",
                            f"DIDSRecord number {records_seen + 1} has no ImagingActivity.",
                        )
                    records_seen += 1
                    for found in record_activities:
                        activities += 1
                        columns[RECORD_NUMBER].append(activities)
                        for column in COLUMNS:
                            columns[column].append(found.get(column, record_fields.get(column, "")))
                    if root is not None:
                        root.clear()  # drop finished records: memory stays bounded
                    if len(columns[RECORD_NUMBER]) >= BATCH_RECORDS:
                        yield pl.DataFrame(columns, schema=SCHEMA)
                        columns = _new_columns()
                elif level == 3 and name == "ImagingActivity" and activity is not None:
                    record_activities.append(activity)
                    activity = None
                elif level == item_depth:
                    # Items belong to the activity they sit in, else to the whole record
                    # (so a producer that leaves out a grouping element is still read).
                    item_depth = 0
                    item = _BY_ELEMENT[name]
                    target = activity if activity is not None else record_fields
                    if item.name in target:
                        raise FileRejected(
                            "DIDS076",
                            f"DIDSRecord number {records_seen + 1} gives <{name}> twice "
                            f"in one {'ImagingActivity' if activity is not None else 'record'}; "
                            "the DIDS schema allows it once.",
                        )
                    target[item.name] = _value(element, item.xml_value)
    except ParseError as error:
        line, column = getattr(error, "position", (0, 0))
        raise FileRejected(
            "DIDS076",
            f"The XML is not well formed at line {line}, column {column + 1}: {_reason(error)}.",
        ) from None
    except DefusedXmlException:
        raise FileRejected(
            "DIDP106",
            "The XML contains a document type declaration (DOCTYPE) or entity declarations; "
            "DID files must not, for safety.",
        ) from None
    if columns[RECORD_NUMBER]:
        yield pl.DataFrame(columns, schema=SCHEMA)
    if activities == 0:
        raise FileRejected(
            "DIDP108", "The XML file contains no DIDSRecord with an ImagingActivity."
        )


def _not_in_schema(path_names: list[str], record: int) -> FileRejected:
    name, parent = path_names[-1], path_names[-2]
    where = f"DIDSRecord number {record} holds <{name}> inside <{parent}>"
    if len(path_names) == 2:
        where = f"<{parent}> holds <{name}>"
    return FileRejected(
        "DIDS076",
        f"{where}, which the DIDS schema does not allow there: check the element names "
        "and nesting (what it holds would not be read).",
    )


def _reason(error: ParseError) -> str:
    text = str(error)
    return text.split(":", 1)[0] if ":" in text else text
