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
from did.publish.release import MANIFEST, read_table_csv, read_wide_csv
from did.publish.tables import TABLES
from did.publish.wide import TABLE_1
from did.publish.workbook import Cover
from did.publish.workbook import table_1_workbook as workbook_bytes
from portal.accounts import permissions
from portal.audit.services import record
from portal.organisations.models import Organisation, OrganisationKind
from portal.publications.models import Release, month_name


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


def _digest(inputs: list[dict], engine: str, options: PublishOptions) -> str:
    """What a release is made from: the inputs, the disclosure rules and the organisation
    reference that names, places and commissions (a new ODS import gives a new version)."""
    reference = hashlib.sha256()
    for frame in (options.regions, options.practices):
        if frame is not None:
            reference.update(frame.sort(frame.columns[0]).write_csv().encode())
    canonical = json.dumps(
        {
            "inputs": sorted(inputs, key=lambda i: (i["id"], i["sha256"])),
            "rules": options.rules.describe(),
            "reference": reference.hexdigest(),
        },
        sort_keys=True,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def disclosure_rules() -> DisclosureRules:
    return DisclosureRules(
        suppress_below=settings.PUBLICATIONS_SUPPRESS_BELOW or None,
        min_tests_for_days=settings.PUBLICATIONS_MIN_TESTS_FOR_DAYS,
    )


def provider_reference() -> pl.DataFrame:
    """Every provider's name, region and ICB: the imported ODS trusts first, and the
    starter region list (did/data/provider_regions.csv) for a trust ODS leaves without a
    region or that has not been imported (ADR 056)."""
    trusts = Organisation.objects.filter(kind=OrganisationKind.NHS_TRUST).values_list(
        "code", "name", "region_code", "icb_code"
    )
    imported = pl.DataFrame(
        [list(row) for row in trusts],
        schema={
            "provider_code": pl.Utf8,
            "provider_name": pl.Utf8,
            "region_code": pl.Utf8,
            "icb_code": pl.Utf8,
        },
        orient="row",
    ).with_columns(pl.all().replace("", None))
    starter = load_regions().select("provider_code", pl.col("region_code").alias("starter_region"))
    joined = imported.join(starter, on="provider_code", how="full", coalesce=True)
    return joined.select(
        "provider_code",
        "provider_name",
        pl.coalesce("region_code", "starter_region").alias("region_code"),
        "icb_code",
    ).sort("provider_code")


def practice_commissioners() -> pl.DataFrame:
    """Each imported GP practice's commissioning sub-ICB location and ICB (ODS epraccur)."""
    practices = Organisation.objects.filter(kind=OrganisationKind.GP_PRACTICE).values_list(
        "code", "commissioner_code", "icb_code"
    )
    return pl.DataFrame(
        [list(row) for row in practices],
        schema={"practice_code": pl.Utf8, "sub_icb_code": pl.Utf8, "icb_code": pl.Utf8},
        orient="row",
    )


def publication_options(expected_providers=None) -> PublishOptions:
    codes, order = load_cancer_groups()
    return PublishOptions(
        cancer_codes=codes,
        cancer_group_order=order,
        regions=provider_reference(),
        practices=practice_commissioners(),
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
    digest = _digest(inputs, engine, options)
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


def wide_table_path(release: Release, name: str = TABLE_1) -> Path | None:
    path = release_dir(release) / f"{name}.csv"
    return path if path.is_file() else None


def table_1_workbook(release: Release) -> bytes | None:
    """The Table 1 workbook (Cover, Notes, Provider) rendered from the release's wide CSV."""
    path = wide_table_path(release)
    if path is None:
        return None
    headings, rows = read_wide_csv(path)
    manifest = json.loads((release_dir(release) / MANIFEST).read_text(encoding="utf-8"))
    wide = next(t for t in manifest.get("wide_tables", []) if t["name"] == TABLE_1)
    first_year = int(wide["financial_year"][:4])
    start = max(f"{first_year}-04", release.period_start)
    ran = timezone.localtime(release.ran_at).date()
    cover = Cover(
        title=wide["title"],
        period=f"{month_name(start)} to {month_name(release.period_end)}",
        status="Final" if release.kind == "final" else "Provisional",
        published=ran,
        cut_off=ran,
        suppress_below=release.disclosure.get("suppress_below"),
        min_tests_for_days=release.disclosure.get("min_tests_for_days"),
    )
    return workbook_bytes(cover, headings, rows)


def quality_organisations(user):
    from portal.submissions.models import Status  # publications reads submissions, not back

    """The organisations whose data-quality dashboard `user` may see: the desk sees every
    organisation with accepted data; anyone else, the organisations they hold an active
    role at (deny by default: nobody else, and nothing for a signed-out visitor)."""
    if not getattr(user, "is_authenticated", False):
        return Organisation.objects.none()
    if user.is_service_desk:
        return Organisation.objects.filter(submissions__status=Status.ACCEPTED).distinct()
    return permissions.organisations_where(user)


def upcoming_releases(today: date | None = None):
    return release_calendar(today or timezone.localdate())
