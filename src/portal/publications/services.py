"""Publishing releases from the record store, and reading them back for the pages.

Disclosure control happens in did.publish before any file is written; the pages and
downloads only ever read those files.
"""

import hashlib
import json
import shutil
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl
from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from did.publish import PublishOptions, publish, write_release
from did.publish.disclosure import DisclosureRules
from did.publish.periods import Window, release_calendar
from did.publish.reference import load_cancer_groups, load_regions
from did.publish.release import read_table_csv
from did.publish.tables import TABLES
from portal.audit.services import record
from portal.publications.models import Release


@dataclass(frozen=True)
class AcceptedFile:
    """One Parquet file of accepted, derived records and the manifest entry it came from."""

    id: str
    path: Path
    sha256: str


def current_accepted_files(window: Window | None = None) -> list[AcceptedFile]:
    """The record store's current accepted data for the window: per organisation and
    period, the latest accepted submission that has not been superseded (ADR 054).

    Read from the submissions manifest; each file is named by its manifest id and carries
    the SHA-256 recorded when it was stored.
    """
    from portal.submissions.store import current_manifest

    start, end = (window.start, window.end) if window else (None, None)
    return [
        AcceptedFile(id=f"manifest:{entry.manifest_id}", path=entry.path, sha256=entry.sha256)
        for entry in current_manifest(start, end)
    ]


def releases_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "publications"


def release_dir(release: Release) -> Path:
    return releases_dir() / release.slug


def _digest(inputs: list[dict], engine: str, rules: DisclosureRules) -> str:
    canonical = json.dumps(
        {"inputs": sorted(inputs, key=lambda i: (i["id"], i["sha256"])), "rules": rules.describe()},
        sort_keys=True,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def disclosure_rules() -> DisclosureRules:
    return DisclosureRules(
        suppress_below=settings.PUBLICATIONS_SUPPRESS_BELOW or None,
        min_tests_for_days=settings.PUBLICATIONS_MIN_TESTS_FOR_DAYS,
    )


def publication_options(expected_providers=None) -> PublishOptions:
    codes, order = load_cancer_groups()
    return PublishOptions(
        cancer_codes=codes,
        cancer_group_order=order,
        regions=load_regions(),
        expected_providers=tuple(expected_providers) if expected_providers else None,
        rules=disclosure_rules(),
    )


class NothingToPublish(ValueError):
    pass


def publish_release(
    window: Window,
    *,
    engine: str = "duckdb",
    actor="system",
    files: list[AcceptedFile] | None = None,
    expected_providers=None,
    is_demo: bool = False,
) -> tuple[Release, bool]:
    """Compute, write and register a release. Returns (release, created).

    Re-running with the same inputs and rules returns the existing release unchanged;
    different inputs give the next version of the same release.
    """
    files = current_accepted_files(window) if files is None else files
    if not files:
        raise NothingToPublish("There are no accepted submissions to publish yet.")
    inputs = [{"id": f.id, "sha256": f.sha256} for f in files]
    options = publication_options(expected_providers)
    digest = _digest(inputs, engine, options.rules)
    existing = Release.objects.filter(name=window.name, inputs_digest=digest).first()
    if existing and release_dir(existing).is_dir():
        return existing, False

    publication = publish(
        [f.path for f in files],
        window,
        engine=engine,
        options=options,
        spark_master=settings.DID_SPARK_MASTER,
    )
    ran_at = timezone.now()
    releases_dir().mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix="release-", dir=releases_dir()))
    try:
        with transaction.atomic():
            latest = Release.objects.filter(name=window.name).aggregate(v=Max("version"))["v"]
            version = (latest or 0) + 1
            slug = f"{window.name}-v{version}"
            manifest = write_release(
                publication,
                staging,
                name=slug,
                engine=engine,
                inputs=inputs,
                ran_at=ran_at,
            )
            release = Release.objects.create(
                name=window.name,
                version=version,
                slug=slug,
                kind=window.kind,
                period_start=window.start,
                period_end=window.end,
                engine=engine,
                inputs=manifest["inputs"],
                inputs_digest=digest,
                tables=manifest["tables"],
                disclosure=manifest["disclosure"],
                ran_at=ran_at,
                ran_by=getattr(actor, "email", None) or str(actor),
                is_demo=is_demo,
            )
            record(
                actor,
                "publications.release",
                target=slug,
                details={
                    "period_start": window.start,
                    "period_end": window.end,
                    "engine": engine,
                    "inputs": len(inputs),
                },
            )
            target = release_dir(release)
            if target.exists():
                shutil.rmtree(target)
            staging.rename(target)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    return release, True


def latest_releases():
    """The newest version of each release, newest period first."""
    newest = {}
    for release in Release.objects.order_by("-period_end", "kind", "-version"):
        newest.setdefault(release.name, release)
    return list(newest.values())


def get_release(slug: str) -> Release | None:
    return Release.objects.filter(slug=slug).first()


def table_path(release: Release, name: str, extension: str) -> Path | None:
    if name not in release.table_names or name not in TABLES:
        return None
    path = release_dir(release) / f"{name}.{extension}"
    return path if path.is_file() else None


def load_table(release: Release, name: str) -> pl.DataFrame | None:
    path = table_path(release, name, "csv")
    return read_table_csv(name, path) if path else None


def upcoming_releases(today: date | None = None):
    return release_calendar(today or timezone.localdate())
