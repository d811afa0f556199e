"""Code lists of the DID v1 items (spec did-data-set.md §1.2, §1.3, §3.5).

Values are compared after trimming. Where a list is the spec's inference rather than a
published table, the comment says so; docs/adr/010-validation-rules-and-policies.md records why.
"""

import itertools
import re
import string

NHS_NUMBER_STATUS: dict[str, str] = {
    "01": "Number present and verified",
    "02": "Number present but not traced",
    "03": "Trace required",
    "04": "Trace attempted - no match or multiple match found",
    "05": "Trace needs to be resolved (NHS Number or patient detail conflict)",
    "06": "Trace in progress",
    "07": "Number not present and trace not required",
    "08": "Trace postponed (baby under six weeks old)",
}
# The DIDS XML Schema v1.0 enumerates only these (see did.spec.policy).
NHS_NUMBER_STATUS_XSD: frozenset[str] = frozenset({"01", "02", "03", "04", "05"})

GENDER: dict[str, str] = {
    "0": "Not known",
    "1": "Male",
    "2": "Female",
    "9": "Not specified (indeterminate)",
}

# NHS Data Dictionary 2001-census ethnic categories (spec: inferred, list not confirmed).
ETHNIC_CATEGORY: dict[str, str] = {
    "A": "White - British",
    "B": "White - Irish",
    "C": "White - Any other White background",
    "D": "Mixed - White and Black Caribbean",
    "E": "Mixed - White and Black African",
    "F": "Mixed - White and Asian",
    "G": "Mixed - Any other mixed background",
    "H": "Asian or Asian British - Indian",
    "J": "Asian or Asian British - Pakistani",
    "K": "Asian or Asian British - Bangladeshi",
    "L": "Asian or Asian British - Any other Asian background",
    "M": "Black or Black British - Caribbean",
    "N": "Black or Black British - African",
    "P": "Black or Black British - Any other Black background",
    "R": "Other Ethnic Groups - Chinese",
    "S": "Other Ethnic Groups - Any other ethnic group",
    "Z": "Not stated",
    "99": "Not known",
}
# ETHNIC CATEGORY is an2 in the XML schema: "the second character may be for local use",
# so a national letter followed by one local letter or digit is accepted too, in either
# case: the pattern, matched on the upper-cased value. The validator looks values up in
# ETHNIC_CATEGORY_VALUES, the same codes listed in full (about 2,000, every case), which is
# several times faster over millions of records.
ETHNIC_CATEGORY_PATTERN = r"^(?:[A-HJ-NPRSZ][A-Z0-9]?|99)$"
ETHNIC_CATEGORY_VALUES: frozenset[str] = frozenset(
    "".join(chars)
    for code in ETHNIC_CATEGORY
    for local in ([""] if len(code) == 2 else ["", *string.ascii_uppercase, *string.digits])
    for chars in itertools.product(*({c.upper(), c.lower()} for c in code + local))
)
# The national pipeline's list (DIDS012): exactly one of the codes, as printed.
ETHNIC_CATEGORY_NATIONAL: frozenset[str] = frozenset(ETHNIC_CATEGORY)

PATIENT_SOURCE_SETTING: dict[str, str] = {
    "01": "Admitted Patient Care - Inpatient (this Health Care Provider)",
    "02": "Admitted Patient Care - Day case (this Health Care Provider)",
    "03": "Out-patient (this Health Care Provider)",
    "04": "GP Direct Access",
    "05": "Accident and Emergency Department (this Health Care Provider)",
    "06": "Other Health Care Provider",
    "07": "Other",
}

REFERRER_DEFAULT_CODES: dict[str, str] = {
    "G9999998": "General Medical Practitioner code not known",
    "G9999981": "No registered GP",
    "R9999981": "Referrer other than GMP, GDP or consultant",
    "A9999998": "Ministry of Defence doctor",
    "X9999998": "Referrer not applicable (for example self-presented) or not known",
    "P9999981": "Prison doctor",
    "C9999998": "Consultant with GMC code not known",
    "M9999998": "Midwife",
    "N9999998": "Nurse",
    "D9999998": "Dentist code not known",
    "D9999981": "Dentist with no DPB number",
    "H9999998": "Other care professional",
}
# The NHS Data Dictionary's default codes (spec §1.3) and those the national pipeline also
# accepts for a referring organisation (spec §3.6a: DIDS024).
REFERRING_ORGANISATION_DEFAULT_CODES: dict[str, str] = {
    "X99998": "Referring organisation not applicable",
    "X99999": "Referring organisation not known",
    "XMD00": "Ministry of Defence",
    "89999": "Non-NHS UK provider with no ODS code",
    "89997": "Non-UK provider",
}
GP_PRACTICE_DEFAULT_CODES: dict[str, str] = {
    "V81999": "GP practice unknown",
    "V81998": "GP practice not applicable (prison, Ministry of Defence, dentist)",
}

# Accepted referrer code formats (DSP, case-insensitive, blank allowed) - spec §3.5.
REFERRER_CODE_PATTERN = (
    r"(?i)^(?:"
    r"[CDGS][0-9]{1,7}"  # consultant GMC, dentist, GP, Scottish GP
    r"|(?:CH|DT|CD|PH|SL)[0-9]{1,6}"  # chiropodist, dietician, dental consultant, physio, SLT
    r"|[0-9]{2}[A-Z][0-9]{4}[A-Z]"  # NMC nurse PIN, e.g. 12A3456B
    r"|Z[ENSW][0-9]{6}"  # Northern Ireland GP
    r"|H9999998|M9999998|R9999981|A9999998|P9999981|X9999998|N9999998"
    r")$"
)

# UK postcode shape, compared with all spaces removed and upper-cased.
POSTCODE_PATTERN = r"^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}$"
PSEUDO_POSTCODE_PREFIX = "ZZ99"
# The same two, matched on the value as given (any case, spaces anywhere): the validator
# then needs no normalised copy of every postcode.
POSTCODE_AS_GIVEN_PATTERN = r"(?i)^ *[A-Z]( *[A-Z])? *[0-9]( *[A-Z0-9])? *[0-9] *[A-Z] *[A-Z] *$"
PSEUDO_POSTCODE_AS_GIVEN_PATTERN = r"(?i)^ *Z *Z *9 *9"

DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"

# SITE CODE (OF IMAGING) as the national pipeline takes it (DIDS069).
SITE_CODE_PATTERN = r"^[A-Za-z0-9]{5,12}$"

# NICIP short codes: up to 6 letters/digits (spec §1.2 item 13).
NICIP_PATTERN = r"^[A-Za-z0-9]{1,6}$"


def is_referrer_code(value: str) -> bool:
    """Single-value form of REFERRER_CODE_PATTERN, for tests and documentation."""
    return re.fullmatch(REFERRER_CODE_PATTERN, value.strip()) is not None
