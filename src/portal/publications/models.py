from django.db import models

from did.publish.periods import parse_period


class ReleaseKind(models.TextChoices):
    PROVISIONAL = "provisional", "Provisional (monthly)"
    FINAL = "final", "Final (annual)"


class Release(models.Model):
    """One published release: its window, engine, exact inputs and table files.

    The files live in the media store under files_prefix (publications/<slug>-<random>/,
    written by did.publish.release before this row is inserted; a local folder or object
    storage, docs/adr/091);
    this row is the register. A release is never changed: new data give a new version.
    """

    name = models.CharField(max_length=40)  # 2026-03-provisional, 2025-26-final
    version = models.PositiveIntegerField()
    slug = models.SlugField(max_length=60, unique=True)  # name-vN
    # Where the files are; empty for releases written under publications/<slug>/.
    files_prefix = models.CharField(max_length=200, blank=True, default="")
    kind = models.CharField(max_length=12, choices=ReleaseKind.choices)
    period_start = models.CharField(max_length=7)
    period_end = models.CharField(max_length=7)
    engine = models.CharField(max_length=10)
    inputs = models.JSONField(default=list)  # [{"id": ..., "sha256": ...}]
    inputs_digest = models.CharField(max_length=64)
    tables = models.JSONField(default=list)  # the manifest's table list, with file hashes
    disclosure = models.JSONField(default=dict)
    ran_at = models.DateTimeField()
    ran_by = models.CharField(max_length=200)
    is_demo = models.BooleanField(default=False)

    class Meta:
        ordering = ["-period_end", "kind", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="release_name_version")
        ]

    def __str__(self):
        return f"{self.title} (version {self.version})"

    @property
    def title(self) -> str:
        span = f"{month_name(self.period_start)} to {month_name(self.period_end)}"
        if self.kind == ReleaseKind.FINAL:
            return f"Final annual statistics, {span}"
        return f"Provisional monthly statistics, {span}"

    @property
    def table_names(self) -> list[str]:
        return [table["name"] for table in self.tables]


_MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December",
)  # fmt: skip


def month_name(period: str) -> str:
    """2026-09 -> September 2026."""
    year, month = parse_period(period)
    return f"{_MONTHS[month - 1]} {year}"
