"""What a patient identifier looks like in free text: NHS numbers, birth dates, postcodes.

Used to keep them out of logs (portal.core.log_filters). The patterns err on the side of
removing too much: a ten-digit count or an ISO date in a log message is redacted too.
"""

import re
from urllib.parse import unquote_plus

REDACTED = "[redacted]"

# Ten digits, spaced or hyphenated NHS-style (943 476 5919) or not (9434765919).
NHS_NUMBER = re.compile(r"(?<!\d)\d{3}[ -]?\d{3}[ -]?\d{4}(?!\d)")
# Full dates as DID files and people write them: 1980-05-17, 17/05/1980, 17-05-1980.
BIRTH_DATE = re.compile(r"(?<!\d)(?:\d{4}-\d{2}-\d{2}|\d{2}[/-]\d{2}[/-]\d{4})(?!\d)")
# UK postcodes, with or without the space: LS1 4AP, SW1A1AA.
POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}\b", re.IGNORECASE)

PATTERNS = (NHS_NUMBER, BIRTH_DATE, POSTCODE)


def redact(text: str) -> str:
    """The text with every identifier replaced; a URL in it is decoded first, since a
    request path spells "LS1 4AP" as "LS1%204AP"."""
    if "%" in text or "+" in text:
        text = unquote_plus(text)
    for pattern in PATTERNS:
        text = pattern.sub(REDACTED, text)
    return text
