"""The only way to write the audit trail: `record(actor, action, target, organisation, details)`.

Called explicitly by services inside their transaction, never from signals. Patient
identifiers (NHS number, date of birth, postcode) never land here: a detail *named* like
one is a programming error and raises; free text that *looks* like one (a lookup code
"LS1 4AP", a decline reason) is redacted, never refused, so a person's request does not
fail because of what they typed (ADR 072). Email addresses are left whole: "jb12ab@…" is
a person's address, not a postcode.
"""

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from portal.audit.models import AuditEntry, AuditSeal
from portal.core import patient_identifiers

GENESIS_MAC = "0" * 64

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
# What an NHS number and a postcode look like in free text: one definition, shared with the
# logs (portal.core.patient_identifiers). Not its birth-date pattern: audit details carry
# dates of their own (a relationship's start, a period's deadline).
_NHS_NUMBER = patient_identifiers.NHS_NUMBER
_POSTCODE = patient_identifiers.POSTCODE
# Kept whole, never redacted: email addresses, and ids in UUID form (a submission's), whose
# hex digits can look like an NHS number ("…861520-6459…") or a postcode: 1 in 80 random
# UUIDs did, and the entry lost the submission it was about.
_KEPT_WHOLE = re.compile(
    r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+"
    r"|\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b",
    re.IGNORECASE,
)
REDACTED = patient_identifiers.REDACTED


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
    [redacted]; email addresses and UUIDs are kept whole."""
    pieces, last = [], 0
    for whole in _KEPT_WHOLE.finditer(text):
        pieces.append(_redact_outside_emails(text[last : whole.start()]))
        pieces.append(whole.group())
        last = whole.end()
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
    """Append one entry. `actor` is a User, a label such as "system", or None.

    A plain insert in the caller's transaction: no shared row is locked, so sign-ins,
    uploads and approvals across the country do not queue behind one another. The chain is
    made afterwards by `seal()`.
    """
    details = _redacted(dict(details or {}))
    target = redact(str(target))
    organisation_code = getattr(organisation, "code", organisation) or ""
    entry = AuditEntry(
        at=timezone.now(),
        actor=actor if hasattr(actor, "pk") else None,
        actor_label=_actor_label(actor),
        action=action,
        target=str(target)[:200],
        organisation_code=str(organisation_code),
        details=details,
    )
    entry.entry_hash = entry.compute_hash()
    entry.save()
    return entry


def _seal_key() -> bytes:
    return settings.AUDIT_SEAL_KEY.encode("utf-8")


def _digest(entries) -> tuple[str, int]:
    """SHA-256 over the entries' ids and content hashes, in id order."""
    digest = hashlib.sha256()
    count = 0
    for entry_id, entry_hash in entries:
        digest.update(f"{entry_id}:{entry_hash}\n".encode())
        count += 1
    return digest.hexdigest(), count


def _mac(previous_mac: str, first_id: int, last_id: int, count: int, digest: str) -> str:
    message = f"{previous_mac}|{first_id}|{last_id}|{count}|{digest}".encode()
    return hmac.new(_seal_key(), message, hashlib.sha256).hexdigest()


def seal(batch_size: int = 10_000) -> list[AuditSeal]:
    """Seal every entry older than AUDIT_SEAL_DELAY_SECONDS that no seal covers yet.

    The delay lets transactions still open (whose entries have lower ids than committed
    ones) finish first, so no entry appears later inside a sealed run. Safe to run twice at
    once: the second seal with the same predecessor fails on the unique `previous_mac`.
    """
    seals = []
    cutoff = timezone.now() - timedelta(seconds=settings.AUDIT_SEAL_DELAY_SECONDS)
    while True:
        last = AuditSeal.objects.order_by("-id").first()
        after = last.last_entry_id if last else 0
        rows = list(
            AuditEntry.objects.filter(id__gt=after, at__lt=cutoff)
            .order_by("id")
            .values_list("id", "entry_hash")[:batch_size]
        )
        if not rows:
            return seals
        # Entries whose content no longer matches their hash are sealed as they are;
        # verify() names them.
        digest, count = _digest(rows)
        previous_mac = last.mac if last else GENESIS_MAC
        first_id, last_id = rows[0][0], rows[-1][0]
        with transaction.atomic():
            seals.append(
                AuditSeal.objects.create(
                    sealed_at=timezone.now(),
                    first_entry_id=first_id,
                    last_entry_id=last_id,
                    entry_count=count,
                    digest=digest,
                    previous_mac=previous_mac,
                    mac=_mac(previous_mac, first_id, last_id, count, digest),
                )
            )


def verify() -> VerifyResult:
    """Check every entry's content hash, then every seal's HMAC and coverage, in order."""
    checked = 0
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=2000):
        if entry.compute_hash() != entry.entry_hash:
            return VerifyResult(
                False, checked, f"Audit entry {entry.pk}: its content was changed.", entry.pk
            )
        checked += 1

    previous_mac, covered_to, sealed = GENESIS_MAC, 0, 0
    for audit_seal in AuditSeal.objects.order_by("id").iterator(chunk_size=500):
        problem = None
        if audit_seal.previous_mac != previous_mac:
            problem = "does not follow the seal before it (a seal was removed or changed)"
        elif audit_seal.first_entry_id <= covered_to:
            problem = "overlaps the seal before it"
        elif not hmac.compare_digest(
            audit_seal.mac,
            _mac(
                audit_seal.previous_mac,
                audit_seal.first_entry_id,
                audit_seal.last_entry_id,
                audit_seal.entry_count,
                audit_seal.digest,
            ),
        ):
            problem = "has a wrong HMAC (it was made without the sealing key)"
        else:
            rows = AuditEntry.objects.filter(
                id__gte=audit_seal.first_entry_id, id__lte=audit_seal.last_entry_id
            ).order_by("id")
            digest, count = _digest(rows.values_list("id", "entry_hash").iterator())
            if (digest, count) != (audit_seal.digest, audit_seal.entry_count):
                return VerifyResult(
                    False,
                    checked,
                    f"Audit seal {audit_seal.pk} (entries {audit_seal.first_entry_id} to "
                    f"{audit_seal.last_entry_id}): the entries no longer match it "
                    f"({count} found, {audit_seal.entry_count} sealed): an entry was "
                    "removed, added or changed.",
                )
        if problem:
            return VerifyResult(False, checked, f"Audit seal {audit_seal.pk} {problem}.", None)
        previous_mac, covered_to = audit_seal.mac, audit_seal.last_entry_id
        sealed += audit_seal.entry_count
    unsealed = checked - sealed
    return VerifyResult(
        True,
        checked,
        f"Audit trail intact: {checked} entries verified, {sealed} sealed"
        + (f", {unsealed} waiting for the next seal." if unsealed else "."),
    )
