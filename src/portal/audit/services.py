"""The only way to write the audit trail: `record(actor, action, target, organisation, details)`.

Called explicitly by services inside their transaction, never from signals. Details are
checked so that patient identifiers (NHS number, date of birth, postcode) never land here.
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
# A bare 10-digit number (spaces or hyphens allowed in NHS style) or a UK postcode.
_NHS_NUMBER = re.compile(r"\b\d{3}[ -]?\d{3}[ -]?\d{4}\b")
_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}\b", re.IGNORECASE)


class PatientIdentifierInAudit(ValueError):
    pass


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    message: str
    broken_id: int | None = None


def _check_details(value, path="details"):
    if isinstance(value, dict):
        for key, item in value.items():
            if str(key).lower().replace("-", "_").replace(" ", "_") in FORBIDDEN_KEYS:
                raise PatientIdentifierInAudit(f"{path}.{key} looks like a patient identifier")
            _check_details(item, f"{path}.{key}")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _check_details(item, f"{path}[{index}]")
    elif isinstance(value, str) and (_NHS_NUMBER.search(value) or _POSTCODE.search(value)):
        raise PatientIdentifierInAudit(f"{path} looks like it holds an NHS number or postcode")


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
    details = dict(details or {})
    _check_details(details)
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
