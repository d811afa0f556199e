"""The Data User Certificate's rules that need no database: telephone numbers, work email
addresses, and the canonical form of an application that the guardian signs.

Messages are written for the person filling in the form, in plain English.
"""

import hashlib
import json
import re
import secrets

# UK numbers as people write them: 01/02/03/07/08 then 9 digits (11 in all), or the same
# after +44 without the leading 0. Spaces, hyphens and brackets around the area code are
# allowed and ignored. See ADR 041.
_UK_NATIONAL = re.compile(r"^0[12378]\d{9}$")
_UK_INTERNATIONAL = re.compile(r"^\+44[12378]\d{9}$")
_ALLOWED_PUNCTUATION = re.compile(r"[\s\-()]")

TELEPHONE_ERROR = (
    "Enter a UK telephone number, like 0113 496 0000, 07700 900 982 or +44 113 496 0000"
)


def normalise_telephone(value: str) -> str | None:
    """The number as 11 digits starting 0, or None when it is not a UK number we accept."""
    compact = _ALLOWED_PUNCTUATION.sub("", value or "")
    compact = compact.replace("+44(0)", "+44").replace("+440", "+44")
    if _UK_NATIONAL.match(compact):
        return compact
    if _UK_INTERNATIONAL.match(compact):
        return "0" + compact[3:]
    return None


# Shared or role mailboxes: a certificate names people, so each needs their own address.
# Matched against the whole local part (the bit before @), ignoring dots, hyphens,
# underscores and trailing digits. The list and its reasons are in ADR 042.
GENERIC_LOCAL_PARTS = frozenset(
    {
        "admin",
        "administrator",
        "office",
        "info",
        "information",
        "enquiries",
        "enquiry",
        "contact",
        "contactus",
        "team",
        "noreply",
        "donotreply",
        "helpdesk",
        "servicedesk",
        "support",
        "it",
        "ithelpdesk",
        "reception",
        "secretary",
        "secretaries",
        "mailbox",
        "generic",
        "shared",
        "radiology",
        "imaging",
        "xray",
        "pacs",
        "ris",
        "pacsmanager",
        "risteam",
        "pacsteam",
        "radiologyteam",
        "radiologyadmin",
        "informationgovernance",
        "ig",
        "dpo",
        "dataprotection",
        "caldicott",
        "caldicottguardian",
        "data",
        "dataquality",
        "performance",
        "informatics",
        "bi",
        "postmaster",
        "webmaster",
        "hostmaster",
        "abuse",
        "security",
        "accounts",
        "finance",
        "hr",
        "switchboard",
        "pals",
    }
)
# Anything containing these is a national or shared mailbox, whatever surrounds it.
GENERIC_FRAGMENTS = ("nationalservicedesk", "noreply", "no-reply", "donotreply", "do-not-reply")

GENERIC_EMAIL_ERROR = (
    "Enter the person's own work email address, not a shared or team mailbox "
    "such as info@ or radiology@"
)


def is_generic_mailbox(email: str) -> bool:
    local = (email or "").strip().lower().split("@", 1)[0]
    if any(fragment in local for fragment in GENERIC_FRAGMENTS):
        return True
    squashed = re.sub(r"[._\-+]", "", local).rstrip("0123456789")
    return squashed in GENERIC_LOCAL_PARTS


def same_text(a: str, b: str) -> bool:
    """Names compared as people expect: case, outer and repeated spaces do not matter."""

    def fold(text):
        return " ".join((text or "").split()).casefold()

    return fold(a) == fold(b)


# A typed signature that is not the name on the register: the form and the service say so.
NAME_MISMATCH = "Type your name exactly as it is registered with ODS"

# Titles people may or may not write before a name: "Owen Price" is "Dr Owen Price".
TITLES = frozenset({"dr", "mr", "mrs", "ms", "miss", "prof"})


def same_name(a: str, b: str) -> bool:
    """People's names compared as people write them: case, spacing and leading titles (Dr,
    Mr, Mrs, Ms, Miss, Prof, with or without a full stop) make no difference. The one
    comparison for the guardian register, the primary contact held and a typed signature."""

    def fold(name):
        words = (name or "").casefold().split()
        while words and words[0].rstrip(".") in TITLES:
            words = words[1:]
        return " ".join(words)

    folded = fold(a)
    return bool(folded) and folded == fold(b)


def person_record(*, name, job_title, email, telephone, primary_contact=False, submitter=False):
    """One person in the canonical content, tidied so equal details compare equal."""
    return {
        "name": " ".join((name or "").split()),
        "job_title": " ".join((job_title or "").split()),
        "email": (email or "").strip().lower(),
        "telephone": " ".join((telephone or "").split()),
        "primary_contact": bool(primary_contact),
        "submitter": bool(submitter),
    }


def canonical_json(content: dict) -> str:
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def content_hash(content: dict) -> str:
    """SHA-256 of the canonical JSON: what the guardian signs and what approval re-checks."""
    return hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()


def new_token() -> tuple[str, str]:
    """A random URL-safe token and its SHA-256; only the hash is stored."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256((token or "").encode("utf-8")).hexdigest()
