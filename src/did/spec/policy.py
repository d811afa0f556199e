"""Named readings of the rules where the spec gives two (docs/adr/010).

* Cut-off for old test dates: the national portal rejected tests more than 3 months old
  (a file received in August rejects April or earlier); the DSP rejects from 7 months and
  warns from 4 (DIDS055 / DIDS049).
* NHS number status: the NHS Data Dictionary and DSP accept 01-08; the DIDS XML Schema v1.0
  enumerates 01-05.
* NHS number "palindrome" test: the DSP helper has it but one variant disables it.
"""

from dataclasses import dataclass
from enum import StrEnum

from did.spec.codes import NHS_NUMBER_STATUS, NHS_NUMBER_STATUS_XSD


class CutOff(StrEnum):
    PORTAL_3_MONTHS = "portal-3-months"
    DSP_4_7_MONTHS = "dsp-4-7-months"


@dataclass(frozen=True)
class Policy:
    name: str
    cut_off: CutOff
    nhs_number_statuses: frozenset[str]
    nhs_number_palindrome_check: bool = False

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
    nhs_number_palindrome_check=True,
)
XSD_STRICT_POLICY = Policy(
    name="xsd-strict",
    cut_off=CutOff.PORTAL_3_MONTHS,
    nhs_number_statuses=NHS_NUMBER_STATUS_XSD,
)
DEFAULT_POLICY = PORTAL_POLICY
POLICIES: dict[str, Policy] = {p.name: p for p in (PORTAL_POLICY, DSP_POLICY, XSD_STRICT_POLICY)}
