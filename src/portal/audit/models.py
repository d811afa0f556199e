import hashlib
import json

from django.conf import settings
from django.db import models


class AuditEntry(models.Model):
    """One thing that happened. Written only by `portal.audit.services.record`, never
    updated or deleted (the model refuses, and on PostgreSQL a trigger refuses too).

    `entry_hash` is the SHA-256 of the row's content, taken before the insert, so writing
    an entry needs no lock on anything shared. Tamper evidence comes from the seals: a
    scheduled job (`portal audit-seal`) chains the entries into `AuditSeal` rows with an
    HMAC whose key lives outside the database; `portal audit-verify` checks both.
    """

    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=254)
    action = models.CharField(max_length=100)
    target = models.CharField(max_length=200, blank=True)
    organisation_code = models.CharField(max_length=12, blank=True)
    details = models.JSONField(default=dict)
    entry_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "audit entries"

    def __str__(self):
        return f"#{self.pk} {self.at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise RuntimeError("Audit entries are append-only; they cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("Audit entries are append-only; they cannot be deleted.")

    def compute_hash(self) -> str:
        payload = {
            "at": self.at.isoformat(),
            "actor_id": self.actor_id,
            "actor_label": self.actor_label,
            "action": self.action,
            "target": self.target,
            "organisation_code": self.organisation_code,
            "details": self.details,
        }
        canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class AuditSeal(models.Model):
    """An HMAC over a run of entries (their ids and content hashes) and the seal before it.

    Without the key (AUDIT_SEAL_KEY, never in the database) nobody can make a seal that
    fits edited, removed or inserted entries. `previous_mac` is unique, so the seals form
    one line even if two sealing jobs raced.
    """

    sealed_at = models.DateTimeField()
    first_entry_id = models.BigIntegerField()
    last_entry_id = models.BigIntegerField()
    entry_count = models.PositiveIntegerField()
    digest = models.CharField(max_length=64)
    previous_mac = models.CharField(max_length=64, unique=True)
    mac = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"seal #{self.pk}: entries {self.first_entry_id}-{self.last_entry_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise RuntimeError("Audit seals are append-only; they cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("Audit seals are append-only; they cannot be deleted.")
