"""The manifest: which Parquet object in the record store holds an accepted submission."""

from django.db import models
from django.utils import timezone


class ManifestEntry(models.Model):
    """A Parquet object in the record store holding one accepted submission's records.

    The row is committed only after the object is complete under its final key, so an
    object without a row is an orphan (removed by `portal store-gc`) and never read.
    """

    submission = models.OneToOneField(
        "submissions.Submission", on_delete=models.PROTECT, related_name="manifest_entry"
    )
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    period = models.CharField(max_length=7)
    path = models.CharField(max_length=500, unique=True, help_text="Key in the record store")
    sha256 = models.CharField(max_length=64)
    record_count = models.BigIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organisation__code", "period"]
        verbose_name_plural = "manifest entries"

    def __str__(self):
        return self.path
