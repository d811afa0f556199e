"""Build DID records and write them as CSV or XML, for the engine's tests."""

import csv
import io
from datetime import date
from pathlib import Path
from xml.sax.saxutils import quoteattr

from did.spec.items import COLUMNS, ITEMS, XML_ORDER

RECEIVED = date(2026, 10, 15)

# One record that passes every rule when received on RECEIVED.
VALID: dict[str, str] = {
    "nhs_number": "9434765919",
    "nhs_number_status": "01",
    "birth_date": "1980-05-17",
    "ethnic_category": "A",
    "gender": "2",
    "postcode": "LS1 4AP",
    "gp_practice": "B86001",
    "patient_source_setting": "03",
    "referrer_code": "C1234567",
    "referring_org": "RR8",
    "request_date": "2026-09-01",
    "request_received_date": "2026-09-02",
    "test_date": "2026-09-10",
    "nicip_code": "XCHES",
    "snomed_code": "399208008",
    "report_date": "2026-09-12",
    "site_code": "RR813",
    "accession_number": "ACC0001",
}


def record(number: int = 1, **changes: str) -> dict[str, str]:
    """A valid record with a unique accession number, changed as given."""
    values = dict(VALID, accession_number=f"ACC{number:07d}")
    values.update(changes)
    return values


def csv_text(rows: list[dict[str, str]], *, header: bool = False) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if header:
        writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([row[c] for c in COLUMNS])
    return buffer.getvalue()


def write_csv(path: Path, rows: list[dict[str, str]], **kwargs) -> Path:
    path.write_text(csv_text(rows, **kwargs), encoding="utf-8")
    return path


def _element(item_name: str, value: str) -> str:
    item = next(i for i in ITEMS if i.name == item_name)
    tag = item.xml_element
    if value == "":
        return ""
    if item.xml_value == "@code":
        return f"<{tag} code={quoteattr(value)}/>"
    if item.xml_value == "@extension":
        return f"<{tag} extension={quoteattr(value)}/>"
    if item.xml_value == "postalCode":
        return f"<{tag}><postalCode>{_text(value)}</postalCode></{tag}>"
    return f"<{tag}>{_text(value)}</{tag}>"


def _text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


PATIENT = XML_ORDER[:7]
REFERRAL = XML_ORDER[7:12]
ACTIVITY = XML_ORDER[12:]


def xml_text(records: list[list[dict[str, str]]]) -> str:
    """Each inner list is one DIDSRecord: patient and referral from its first row, one
    ImagingActivity per row."""
    parts = ['<?xml version="1.0" encoding="UTF-8"?>', "<DIDS>"]
    for group in records:
        first = group[0]
        parts.append("<DIDSRecord><PersonalAndDemographics>")
        parts += [_element(c, first[c]) for c in PATIENT]
        parts.append("</PersonalAndDemographics><Referrals>")
        parts += [_element(c, first[c]) for c in REFERRAL]
        parts.append("</Referrals>")
        for row in group:
            parts.append("<ImagingActivity>")
            parts += [_element(c, row[c]) for c in ACTIVITY]
            parts.append("</ImagingActivity>")
        parts.append("</DIDSRecord>")
    parts.append("</DIDS>")
    return "\n".join(parts)


def write_xml(path: Path, rows: list[dict[str, str]]) -> Path:
    path.write_text(xml_text([[row] for row in rows]), encoding="utf-8")
    return path
