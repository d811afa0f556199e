"""Every validation rule: code, severity, item and a plain-English message.

DIDS codes are the national Data Services Platform codes (spec did-data-set.md §1.2, §3).
Rules the spec gives no code get one in the portal's own namespace, DIDP1xx.
ERROR rejects the record (and, when the file is judged whole, the file: did.spec.policy
Rejection); WARNING is accepted and reported.

Where each rule's condition is written, once: a record rule is one Polars expression in
did/validate/checks.py (the file alone) or reference_checks.py (reference data); DIDS071
and DIDP114, decided after the last record, are Validator.duplicate_issues and
snomed_issues (did/validate/validator.py; the SNOMED CT check digit itself is
did.imaging_codes.is_snomed_concept_id); a file-level rule is raised by its reader
(did/read/).
"""

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


class Needs(StrEnum):
    """What a rule needs beyond the file itself."""

    NOTHING = "nothing"
    ORGANISATIONS = "organisations"  # --reference DIR/organisations.csv
    POSTCODES = "postcodes"  # --reference DIR/postcodes.csv
    CODES = "codes"  # --codes FILE (NICIP / SNOMED CT)
    PERIOD = "period"  # --period YYYY-MM: the reporting period the file is sent for
    PROVIDERS = "providers"  # --providers: whom the submitter submits for (and --reference)


@dataclass(frozen=True)
class Rule:
    code: str
    severity: Severity
    item: str  # item column name, "" for file-level rules, "record" for whole-record rules
    message: str
    needs: Needs = Needs.NOTHING
    file_level: bool = False


E, W = Severity.ERROR, Severity.WARNING
ORG, PC, CODES = Needs.ORGANISATIONS, Needs.POSTCODES, Needs.CODES
PERIOD, PROVIDERS = Needs.PERIOD, Needs.PROVIDERS

_RULES: tuple[Rule, ...] = (
    # --- file-level rejects (the file cannot be read as DID records) ---
    # The national pipeline has two file-level codes: DIDS075 (a CSV file whose lines do
    # not have the columns of the data set) and DIDS076 (an XML file of an unexpected
    # structure, well formed or not). The DIDP codes are rejects it has no code for.
    Rule("DIDP101", E, "", "The file is empty.", file_level=True),
    Rule(
        "DIDS075",
        E,
        "",
        "The CSV file does not have the data set's 18 columns on every line.",
        file_level=True,
    ),
    Rule("DIDP102", E, "", "A line is far longer than any DID record.", file_level=True),
    Rule("DIDP103", E, "", "The file contains bytes that are not text.", file_level=True),
    Rule(
        "DIDS076",
        E,
        "",
        "The XML file does not have the structure of a DIDS XML file.",
        file_level=True,
    ),
    Rule(
        "DIDP106",
        E,
        "",
        "The XML contains a document type declaration or entities, which are not allowed.",
        file_level=True,
    ),
    Rule("DIDP107", E, "", "The zip file must hold exactly one CSV or XML file.", file_level=True),
    Rule("DIDP108", E, "", "The file contains no records.", file_level=True),
    # --- NHS number ---
    Rule(
        "DIDS001",
        E,
        "nhs_number",
        "NHS number is not valid: it fails the modulus 11 check (under the national rules, "
        "also when it is not 10 digits or its first five digits are the last five reversed).",
    ),
    Rule(
        "DIDS002",
        E,
        "nhs_number",
        "NHS number must be 10 digits (spaces and hyphens are ignored).",
    ),
    Rule("DIDS003", E, "nhs_number_status", "NHS number status indicator code is not valid."),
    # --- birth date ---
    Rule("DIDS005", E, "birth_date", "Birth date is not a valid date in the form CCYY-MM-DD."),
    Rule("DIDS006", E, "birth_date", "Birth date is after the test date."),
    Rule("DIDS008", E, "birth_date", "Birth date is after the report issue date."),
    Rule("DIDS009", E, "birth_date", "Birth date is before 2 January 1900."),
    Rule(
        "DIDS010",
        E,
        "birth_date",
        "Birth month is more than 6 months after the month of the request date.",
    ),
    Rule(
        "DIDS040",
        E,
        "birth_date",
        "Birth month is more than 6 months after the month the request was received.",
    ),
    # --- demographics ---
    Rule("DIDS012", E, "ethnic_category", "Ethnic category is not a valid code."),
    Rule("DIDS014", E, "gender", "Gender code must be 0, 1, 2 or 9."),
    Rule("DIDS017", E, "postcode", "Postcode is not in a valid postcode format."),
    Rule(
        "DIDS016",
        E,
        "postcode",
        "Postcode is not in the postcode reference data (ZZ99 pseudo-postcodes are allowed).",
        PC,
    ),
    # DIDP111 and DIDP112 check a code's length only without the ODS reference data: with
    # it, a code of the wrong length is an unknown code (DIDS018, DIDS024).
    Rule(
        "DIDP111",
        E,
        "gp_practice",
        "GP practice code must be 3 to 12 characters.",
    ),
    Rule(
        "DIDS018",
        E,
        "gp_practice",
        "GP practice code is not a GP practice or prescribing cost centre in the ODS "
        "reference data.",
        ORG,
    ),
    Rule("DIDS080", W, "gp_practice", "GP practice was not open on the test date.", ORG),
    Rule(
        "DIDS073",
        E,
        "record",
        "Record has no patient identifier: give at least one of NHS number, birth date, "
        "ethnic category, gender, postcode or GP practice.",
    ),
    Rule(
        "DIDS074",
        E,
        "record",
        "Record's only patient identifier is a ZZ99 pseudo-postcode, which does not count.",
    ),
    # --- referral ---
    Rule("DIDS020", E, "patient_source_setting", "Patient source setting is missing."),
    Rule(
        "DIDS021",
        E,
        "patient_source_setting",
        "Patient source setting must be a two-digit code 01 to 07.",
    ),
    Rule(
        "DIDS023",
        W,
        "referrer_code",
        "Referrer code is not in an accepted format; it will be recorded as 99 (not known).",
    ),
    Rule(
        "DIDP112",
        E,
        "referring_org",
        "Referring organisation code must be 3 to 12 characters.",
    ),
    Rule(
        "DIDS024",
        E,
        "referring_org",
        "Referring organisation code is not a known ODS code.",
        ORG,
    ),
    Rule(
        "DIDS079",
        W,
        "referring_org",
        "Referring organisation was not open on the request date (or test date).",
        ORG,
    ),
    Rule("DIDS026", E, "request_date", "Request date is not a valid date in the form CCYY-MM-DD."),
    Rule("DIDS027", E, "request_date", "Request date is after the request received date."),
    Rule("DIDS031", E, "request_date", "Request date is before 1 January 1970."),
    Rule("DIDS034", E, "request_date", "Request date is after the test date."),
    Rule("DIDS035", E, "request_date", "Request date is after the report issue date."),
    Rule("DIDS028", W, "request_date", "Test date is more than 365 days after the request date."),
    Rule(
        "DIDS036",
        E,
        "request_received_date",
        "Request received date is not a valid date in the form CCYY-MM-DD.",
    ),
    Rule("DIDS043", E, "request_received_date", "Request received date is after the test date."),
    Rule(
        "DIDS044",
        E,
        "request_received_date",
        "Request received date is after the report issue date.",
    ),
    Rule("DIDS041", E, "request_received_date", "Request received date is before 1 January 1970."),
    Rule(
        "DIDS038",
        W,
        "request_received_date",
        "Test date is more than 365 days after the request was received.",
    ),
    # --- imaging codes ---
    Rule(
        "DIDS056",
        E,
        "nicip_code",
        "Give an imaging code: NICIP, SNOMED CT or both.",
    ),
    # DIDP113 and DIDP114 check the codes' form only when there is no code reference to
    # check them against: with one, a malformed code is an unknown code (DIDS057, DIDS059).
    Rule("DIDP113", E, "nicip_code", "NICIP code must be 1 to 6 letters or digits."),
    Rule(
        "DIDP114",
        E,
        "snomed_code",
        "SNOMED CT code is not a valid concept identifier (6 to 18 digits, concept partition, "
        "Verhoeff check digit).",
    ),
    Rule("DIDS057", E, "nicip_code", "NICIP code is not valid for the test date.", CODES),
    Rule(
        "DIDS077",
        W,
        "nicip_code",
        "NICIP code is only valid within 6 months of the test date.",
        CODES,
    ),
    Rule("DIDS059", E, "snomed_code", "SNOMED CT code is not valid for the test date.", CODES),
    Rule(
        "DIDS078",
        W,
        "snomed_code",
        "SNOMED CT code is only valid within 6 months of the test date.",
        CODES,
    ),
    Rule(
        "DIDS082",
        E,
        "nicip_code",
        "NICIP code does not map to the SNOMED CT code given.",
        CODES,
    ),
    # --- test and report dates ---
    Rule("DIDS050", E, "test_date", "Test date is missing."),
    Rule("DIDS045", E, "test_date", "Test date is not a valid date in the form CCYY-MM-DD."),
    Rule("DIDS051", E, "test_date", "Test date is after the date the file was received."),
    Rule(
        "DIDS055",
        E,
        "test_date",
        "Test date is too old for this submission (outside the cut-off).",
    ),
    Rule(
        "DIDS049",
        W,
        "test_date",
        "Test date is 4 to 6 months before the month the file was received.",
    ),
    Rule(
        "DIDS061",
        E,
        "report_date",
        "Report issue date is not a valid date in the form CCYY-MM-DD.",
    ),
    Rule("DIDS066", E, "report_date", "Report issue date is after the date the file was received."),
    Rule("DIDS048", E, "report_date", "Report issue date is before the test date."),
    Rule(
        "DIDS062",
        W,
        "report_date",
        "Report issue date is more than 1 month after the test date.",
    ),
    # --- site and accession ---
    Rule("DIDS067", E, "site_code", "Site code is missing."),
    Rule("DIDS069", E, "site_code", "Site code must be 5 to 12 letters or digits."),
    Rule("DIDS068", E, "site_code", "Site code is not a known ODS site code.", ORG),
    Rule("DIDS081", W, "site_code", "Site was not open on the test date.", ORG),
    Rule("DIDS070", E, "accession_number", "Accession number is missing."),
    Rule("DIDS072", E, "accession_number", "Accession number is longer than 20 characters."),
    Rule(
        "DIDS071",
        E,
        "accession_number",
        "Site code and accession number repeat an earlier record in this file.",
    ),
    # --- the submission: rules that need to know what the file was sent for ---
    Rule(
        "DIDP115",
        E,
        "test_date",
        "Test date is not in the reporting period this file was sent for.",
        PERIOD,
    ),
    Rule(
        "DIDP116",
        W,
        "test_date",
        "Test date is not in the reporting period this file was sent for (accepted: this "
        "service takes other months in a file).",
        PERIOD,
    ),
    Rule(
        "DIDP117",
        E,
        "site_code",
        "Site belongs to another provider, which the submitting organisation is not recorded "
        "as submitting for.",
        PROVIDERS,
    ),
)

RULES: dict[str, Rule] = {rule.code: rule for rule in _RULES}
FILE_RULES: tuple[Rule, ...] = tuple(r for r in _RULES if r.file_level)
RECORD_RULES: tuple[Rule, ...] = tuple(r for r in _RULES if not r.file_level)
