"""The only way to write the audit trail: `record(actor, action, target, organisation, details)`.

Called explicitly by services inside their transaction, never from signals. Patient
identifiers (NHS number, date of birth, postcode) never land here: a detail *named* like
one is a programming error and raises; free text that *looks* like one (a lookup code
"LS1 4AP", a decline reason) is redacted, never refused, so a person's request does not
fail because of what they typed (ADR 072). Email addresses are left whole: "jb12ab@…" is
a person's address, not a postcode.
"""

import re
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from portal.audit.models import GENESIS_HASH, AuditChainHead, AuditEntry

FORBIDDEN_KEYS = {
    "nhs_number",
    "nhsnumber",
    "birth_date",
    "date_of_birth",
    "dob",
    "person_birth_date",
    "postcode",
    "postal_code",
}
# A bare 10-digit number (spaces or hyphens allowed in NHS style) or a UK postcode.
_NHS_NUMBER = re.compile(r"\b\d{3}[ -]?\d{3}[ -]?\d{4}\b")
_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}\b", re.IGNORECASE)
_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
REDACTED = "[redacted]"


class PatientIdentifierInAudit(ValueError):
    pass


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    message: str
    broken_id: int | None = None


def _redact_outside_emails(text: str) -> str:
    return _POSTCODE.sub(REDACTED, _NHS_NUMBER.sub(REDACTED, text))


def redact(text: str) -> str:
    """The text with anything that looks like an NHS number or a postcode replaced by
    [redacted]; email addresses are kept whole."""
    pieces, last = [], 0
    for email in _EMAIL.finditer(text):
        pieces.append(_redact_outside_emails(text[last : email.start()]))
        pieces.append(email.group())
        last = email.end()
    pieces.append(_redact_outside_emails(text[last:]))
    return "".join(pieces)


def contains_patient_identifier(text: str) -> bool:
    """For forms that would rather ask the person to remove it (e.g. a revocation reason)."""
    return redact(text) != text


def _redacted(value, path="details"):
    if isinstance(value, dict):
        clean = {}
        for key, item in value.items():
            if str(key).lower().replace("-", "_").replace(" ", "_") in FORBIDDEN_KEYS:
                raise PatientIdentifierInAudit(f"{path}.{key} looks like a patient identifier")
            clean[key] = _redacted(item, f"{path}.{key}")
        return clean
    if isinstance(value, list | tuple):
        return [_redacted(item, f"{path}[{index}]") for index, item in enumerate(value)]
    if isinstance(value, str):
        return redact(value)
    return value


def _actor_label(actor) -> str:
    if actor is None:
        return "system"
    if isinstance(actor, str):
        return actor
    return actor.email


def record(actor, action: str, target="", organisation=None, details=None) -> AuditEntry:
    """Append one entry. `actor` is a User, a label such as "system", or None."""
    details = _redacted(dict(details or {}))
    target = redact(str(target))
    organisation_code = getattr(organisation, "code", organisation) or ""
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
        entry = AuditEntry(
            at=timezone.now(),
            actor=actor if hasattr(actor, "pk") else None,
            actor_label=_actor_label(actor),
            action=action,
            target=str(target)[:200],
            organisation_code=str(organisation_code),
            details=details,
            previous_hash=head.last_hash,
            entry_hash="pending-" + timezone.now().isoformat(),
        )
        entry.save()
        # The id is part of the hashed content, so a deleted row breaks the chain too.
        entry.entry_hash = entry.compute_hash()
        entry.save(update_fields=["entry_hash"], _chain_write=True)
        head.last_hash = entry.entry_hash
        head.last_id = entry.pk
        head.save(update_fields=["last_hash", "last_id"])
    return entry


def verify() -> VerifyResult:
    """Walk the chain from the first entry; report the first row that does not fit."""
    previous = GENESIS_HASH
    checked = 0
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=2000):
        if entry.previous_hash != previous:
            return VerifyResult(
                False,
                checked,
                f"Audit entry {entry.pk}: its previous-hash does not match the entry before it "
                "(an entry was removed or changed).",
                entry.pk,
            )
        if entry.compute_hash() != entry.entry_hash:
            return VerifyResult(
                False, checked, f"Audit entry {entry.pk}: its content was changed.", entry.pk
            )
        previous = entry.entry_hash
        checked += 1
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and head.last_hash != previous:
        return VerifyResult(
            False,
            checked,
            f"The chain ends at entry {head.last_id}, which is missing or changed.",
            head.last_id,
        )
    return VerifyResult(True, checked, f"Audit trail intact: {checked} entries verified.")
