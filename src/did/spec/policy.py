"""Named readings of the rules where the sources give two (docs/adr/010).

* Cut-off for old test dates: the national portal rejected tests more than 3 months old
  (a file received in August rejects April or earlier); the national pipeline (DSP) rejects
  from 7 months and warns from 4 (DIDS055 / DIDS049).
* NHS number status: the NHS Data Dictionary and DSP accept 01-08; the DIDS XML Schema v1.0
  enumerates 01-05.
* NHS number (DIDS001): the pipeline also fails a number that is not 10 digits (so a
  wrong-length number is DIDS001 and DIDS002) and one whose first five digits are the last
  five reversed ("palindrome", e.g. 1111111111); the portal reading checks the modulus 11
  digit of 10-digit numbers only.
* Ethnic category (DIDS012): the pipeline takes exactly one of the national codes, in
  capitals; the portal reading also takes a national letter followed by a local character
  (the XML schema's an2), in either case.
* Rejection: the national portal rejected the file on any error; the pipeline rejects the
  record ("Record rejected - ...") and keeps the others.
"""

from dataclasses import dataclass
from enum import StrEnum

from did.spec.codes import (
    ETHNIC_CATEGORY_NATIONAL,
    ETHNIC_CATEGORY_VALUES,
    NHS_NUMBER_STATUS,
    NHS_NUMBER_STATUS_XSD,
)


class CutOff(StrEnum):
    PORTAL_3_MONTHS = "portal-3-months"
    DSP_4_7_MONTHS = "dsp-4-7-months"


class Rejection(StrEnum):
    """What an error rejects."""

    FILE = "file"  # any error rejects the whole file (the national DID portal)
    RECORD = "record"  # an error rejects its record; the file keeps the others (the pipeline)


@dataclass(frozen=True)
class Policy:
    name: str
    cut_off: CutOff
    nhs_number_statuses: frozenset[str]
    ethnic_categories: frozenset[str] = ETHNIC_CATEGORY_VALUES
    # DIDS001 as the pipeline codes it: also for a number that is not 10 digits, and for
    # one whose first five digits are its last five reversed.
    nhs_number_national_check: bool = False
    rejection: Rejection = Rejection.FILE

    def rejected_from_months(self) -> int:
        """Whole months between the receipt month and the test month that reject (DIDS055)."""
        return 4 if self.cut_off is CutOff.PORTAL_3_MONTHS else 7


PORTAL_POLICY = Policy(
    name="portal",
    cut_off=CutOff.PORTAL_3_MONTHS,
    nhs_number_statuses=frozenset(NHS_NUMBER_STATUS),
)
DSP_POLICY = Policy(
    name="dsp",
    cut_off=CutOff.DSP_4_7_MONTHS,
    nhs_number_statuses=frozenset(NHS_NUMBER_STATUS),
    ethnic_categories=ETHNIC_CATEGORY_NATIONAL,
    nhs_number_national_check=True,
    rejection=Rejection.RECORD,
)
XSD_STRICT_POLICY = Policy(
    name="xsd-strict",
    cut_off=CutOff.PORTAL_3_MONTHS,
    nhs_number_statuses=NHS_NUMBER_STATUS_XSD,
)
DEFAULT_POLICY = PORTAL_POLICY
POLICIES: dict[str, Policy] = {p.name: p for p in (PORTAL_POLICY, DSP_POLICY, XSD_STRICT_POLICY)}
