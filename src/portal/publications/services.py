"""Publishing releases from the record store, and reading them back for the pages.

Disclosure control happens in did.publish before any file is written; the pages and
downloads only ever read those files. Accepted records are read from the record store and
release files kept in the media store (portal.store: a local folder or object storage).
"""

import hashlib
import json
import tempfile
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl
from django.conf import settings
from django.db import IntegrityError, transaction
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
from portal.store import api as store
from portal.submissions.models import Status

# Release files in the media store: publications/<slug>-<random>/<file> (Release.files_prefix).
RELEASES = "publications"
# Publishers racing for the same version: the loser tries the next one, this many times.
VERSION_ATTEMPTS = 5


@dataclass(frozen=True)
class AcceptedFile:
    """One Parquet object of accepted, derived records and the manifest entry it came from."""

    id: str
    key: str
    sha256: str


def current_accepted_files(window: Window | None = None) -> list[AcceptedFile]:
    """The record store's current accepted data for the window: per organisation and
    period, the latest accepted submission that has not been superseded (ADR 054).

    Read from the store's manifest; each file is named by its manifest id and carries the
    SHA-256 recorded when it was stored.
    """
    start, end = (window.start, window.end) if window else (None, None)
    return [
        AcceptedFile(id=f"manifest:{entry.manifest_id}", key=entry.key, sha256=entry.sha256)
        for entry in store.current_files(start, end)
    ]


def release_prefix(release: Release) -> str:
    """Where a release's files are: the prefix it was registered with (a release written
    before files_prefix existed has its files under its slug)."""
    return release.files_prefix or f"{RELEASES}/{release.slug}"


def release_file_key(release: Release, file_name: str) -> str:
    return f"{release_prefix(release)}/{file_name}"


def engine_input(files: list[AcceptedFile], engine: str, source: store.ObjectStore):
    """What the publishing engine reads: DuckDB the store's files, or objects opened from
    object storage; Spark the files' paths or s3a:// addresses (it reads them itself)."""
    keys = [f.key for f in files]
    if engine == "spark":
        return [source.uri(key) for key in keys]
    return source.duckdb_sources(keys)


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
    source: store.ObjectStore | None = None,
    expected_providers=None,
    is_demo: bool = False,
) -> tuple[Release, bool]:
    """Compute, write and register a release. Returns (release, created).

    `files` are read from `source` (by default the record store's current accepted files).
    Re-running with the same inputs and rules returns the existing release unchanged;
    different inputs give the next version of the same release.
    """
    files = current_accepted_files(window) if files is None else files
    source = source or store.records()
    if not files:
        raise NothingToPublish("There are no accepted submissions to publish yet.")
    inputs = [{"id": f.id, "sha256": f.sha256} for f in files]
    options = publication_options(expected_providers)
    digest = _digest(inputs, engine, options)
    existing = Release.objects.filter(name=window.name, inputs_digest=digest).first()
    if existing and store.media().exists(release_file_key(existing, MANIFEST)):
        return existing, False

    publication = publish(
        engine_input(files, engine, source),
        window,
        engine=engine,
        options=options,
        spark_master=settings.DID_SPARK_MASTER,
    )
    ran_at = timezone.now()
    for _ in range(VERSION_ATTEMPTS):
        latest = Release.objects.filter(name=window.name).aggregate(v=Max("version"))["v"]
        try:
            return _register(
                publication,
                window,
                (latest or 0) + 1,
                inputs,
                digest,
                engine,
                ran_at,
                actor,
                is_demo,
            ), True
        except IntegrityError:
            continue  # another publisher registered this version a moment ago
    raise RuntimeError(f"could not register a new version of {window.name}")


def _register(publication, window, version, inputs, digest, engine, ran_at, actor, is_demo):
    """Write the release files, then register the release.

    The files go to a prefix of their own (the slug and a random part) before any
    transaction starts, so no row or lock is held while they are written to the media store;
    the row that makes them visible is inserted in a short transaction afterwards. A
    publisher racing for the same version fails at the insert on the unique slug: its files
    are removed and it tries the next version. A release is never visible without its files.
    """
    slug = f"{window.name}-v{version}"
    prefix = f"{RELEASES}/{slug}-{uuid.uuid4().hex[:12]}"
    with tempfile.TemporaryDirectory(prefix="did-release-") as staging:
        manifest = write_release(
            publication, Path(staging), name=slug, engine=engine, inputs=inputs, ran_at=ran_at
        )
        store.media().put_directory(Path(staging), prefix)
    try:
        with transaction.atomic():
            release = Release.objects.create(
                name=window.name,
                version=version,
                slug=slug,
                files_prefix=prefix,
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
    except IntegrityError:
        _remove_files(prefix)
        raise
    return release


def _remove_files(prefix: str) -> None:
    media = store.media()
    for found in list(media.list(prefix)):
        media.delete(found.key, prune=True)


def latest_releases():
    """The newest version of each release, newest period first."""
    newest = {}
    for release in Release.objects.order_by("-period_end", "kind", "-version"):
        newest.setdefault(release.name, release)
    return list(newest.values())


def get_release(slug: str) -> Release | None:
    return Release.objects.filter(slug=slug).first()


def table_key(release: Release, name: str, extension: str) -> str | None:
    if name not in release.table_names or name not in TABLES:
        return None
    key = release_file_key(release, f"{name}.{extension}")
    return key if store.media().exists(key) else None


def table_bytes(release: Release, name: str, extension: str) -> bytes | None:
    key = table_key(release, name, extension)
    return store.media().read_bytes(key) if key else None


def load_table(release: Release, name: str) -> pl.DataFrame | None:
    key = table_key(release, name, "csv")
    if key is None:
        return None
    with store.media().local_file(key) as path:
        return read_table_csv(name, path)


def wide_table_key(release: Release, name: str = TABLE_1) -> str | None:
    key = release_file_key(release, f"{name}.csv")
    return key if store.media().exists(key) else None


def wide_table_bytes(release: Release, name: str = TABLE_1) -> bytes | None:
    key = wide_table_key(release, name)
    return store.media().read_bytes(key) if key else None


def release_manifest(release: Release) -> dict:
    """The release's release.json: what it was made from and which files it holds."""
    return json.loads(store.media().read_bytes(release_file_key(release, MANIFEST)))


def table_1_workbook(release: Release) -> bytes | None:
    """The Table 1 workbook (Cover, Notes, Provider) rendered from the release's wide CSV."""
    key = wide_table_key(release)
    if key is None:
        return None
    with store.media().local_file(key) as path:
        headings, rows = read_wide_csv(path)
    manifest = release_manifest(release)
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
