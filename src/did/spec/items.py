"""The 18 DID v1 data items, in the national pipeline's CSV column order.

`number` is the item's number in the data set table (spec did-data-set.md §1.2), which follows
the XML schema's element order: there the two imaging codes (13, 14) come before the test date
(15). The national pipeline's CSV loader reads a header-less file in its submitted model's
order, with the **test date before the imaging codes** (§2.3), and so does every frame in this
engine: `COLUMNS` is that order. `XML_ORDER` is the schema's, for writing XML and for reading
a CSV file produced in that order (did.read.order).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Item:
    number: int
    name: str  # the column name used throughout the engine
    title: str  # NHS Data Dictionary element name
    xml_element: str
    xml_value: str  # "text", "@code", "@extension" or "postalCode"
    max_length: int | None


ITEMS: tuple[Item, ...] = (
    Item(1, "nhs_number", "NHS NUMBER", "NHSNumber", "@extension", 10),
    Item(2, "nhs_number_status", "NHS NUMBER STATUS INDICATOR CODE", "NHSNumberStatus", "@code", 2),
    Item(3, "birth_date", "PERSON BIRTH DATE", "PersonBirthDate", "text", 10),
    Item(4, "ethnic_category", "ETHNIC CATEGORY", "EthnicCategory", "@code", 2),
    Item(5, "gender", "PERSON GENDER CODE (CURRENT)", "PersonGenderCode", "@code", 1),
    Item(6, "postcode", "POSTCODE OF USUAL ADDRESS", "Address", "postalCode", 8),
    Item(
        7,
        "gp_practice",
        "GENERAL MEDICAL PRACTICE CODE (PATIENT REGISTRATION)",
        "GPCodeRegistration",
        "@extension",
        12,
    ),
    Item(
        8,
        "patient_source_setting",
        "PATIENT SOURCE SETTING TYPE (DIAGNOSTIC IMAGING)",
        "PatientSourceSetting",
        "@code",
        2,
    ),
    Item(9, "referrer_code", "REFERRER CODE", "ReferrerCode", "@extension", 8),
    Item(10, "referring_org", "REFERRING ORGANISATION CODE", "ReferringOrgCode", "@extension", 12),
    Item(11, "request_date", "DIAGNOSTIC TEST REQUEST DATE", "DiagnosticTestReqDate", "text", 10),
    Item(
        12,
        "request_received_date",
        "DIAGNOSTIC TEST REQUEST RECEIVED DATE",
        "DiagnosticTestReqRecDate",
        "text",
        10,
    ),
    Item(15, "test_date", "DIAGNOSTIC TEST DATE", "DiagnosticTestDate", "text", 10),
    Item(13, "nicip_code", "IMAGING CODE (NICIP)", "ImagingCodeNICIP", "@code", 6),
    Item(14, "snomed_code", "IMAGING CODE (SNOMED-CT)", "ImagingCodeSNOMEDCT", "@code", 18),
    Item(16, "report_date", "SERVICE REPORT ISSUE DATE", "ServiceReportIssueDate", "text", 10),
    Item(17, "site_code", "SITE CODE (OF IMAGING)", "ImagingSiteCode", "@extension", 12),
    Item(
        18,
        "accession_number",
        "RADIOLOGICAL ACCESSION NUMBER",
        "RadiologicalAccessionNumber",
        "@extension",
        20,
    ),
)

COLUMNS: tuple[str, ...] = tuple(item.name for item in ITEMS)
BY_NAME = {item.name: item for item in ITEMS}

# The schema's element order (the item numbers): the imaging codes before the test date.
XML_ORDER: tuple[str, ...] = tuple(item.name for item in sorted(ITEMS, key=lambda i: i.number))
