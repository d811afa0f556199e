import hashlib
import json

from django.conf import settings
from django.db import models

GENESIS_HASH = "0" * 64


class AuditEntry(models.Model):
    """One thing that happened, chained to the entry before it by a SHA-256 hash.

    Rows are written only by `portal.audit.services.record` and never updated or deleted;
    `portal audit-verify` recomputes the chain and names the first row that disagrees.
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
    previous_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "audit entries"

    def __str__(self):
        return f"#{self.pk} {self.at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.pop("_chain_write", False):
            raise RuntimeError("Audit entries are append-only; they cannot be changed.")
        kwargs.pop("_chain_write", None)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("Audit entries are append-only; they cannot be deleted.")

    def compute_hash(self) -> str:
        payload = {
            "id": self.pk,
            "at": self.at.isoformat(),
            "actor_id": self.actor_id,
            "actor_label": self.actor_label,
            "action": self.action,
            "target": self.target,
            "organisation_code": self.organisation_code,
            "details": self.details,
            "previous_hash": self.previous_hash,
        }
        canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class AuditChainHead(models.Model):
    """A single row locked while appending, so concurrent writers extend the chain in turn."""

    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)
    last_id = models.BigIntegerField(default=0)

    def __str__(self):
        return f"audit chain head at entry {self.last_id}"
