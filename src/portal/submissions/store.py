"""The record store: Parquet files under settings.DID_STORE, registered in ManifestEntry.

Layout (all paths in the database are relative to DID_STORE):

    incoming/<uuid>.part                      an upload being received
    uploads/<submission-id>/<file name>       the file as uploaded (kept for retries)
    reports/<submission-id>.issues.parquet    every issue the validator found
    records/<org>/<period>/<submission-id>.parquet   accepted records + derived fields

A file becomes visible only through its manifest row, and the row is committed only after
the file has been written under a temporary name, fsynced, renamed into place and the
directory fsynced. So a crash leaves either the old state or the new one; anything on disk
without a row is an orphan that `portal store-gc` removes.
"""

import hashlib
import os
import shutil
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

# The engine's Parquet options: one definition for every file of the record store.
from did.validate.output import PARQUET_OPTIONS

TEMP_SUFFIX = ".tmp"
CHUNK = 1024 * 1024


def root() -> Path:
    return Path(settings.DID_STORE)


def absolute(relative: str) -> Path:
    path = (root() / relative).resolve()
    if root().resolve() not in path.parents:
        raise ValueError(f"{relative!r} is outside the record store")
    return path


def relative(path: Path) -> str:
    return path.resolve().relative_to(root().resolve()).as_posix()


def incoming_dir() -> Path:
    return root() / "incoming"


def upload_path(submission_id, file_name: str) -> Path:
    return root() / "uploads" / str(submission_id) / file_name


def report_path(submission_id) -> Path:
    return root() / "reports" / f"{submission_id}.issues.parquet"


def records_path(organisation_code: str, period: str, submission_id) -> Path:
    return root() / "records" / organisation_code / period / f"{submission_id}.parquet"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def make_directories(directory: Path) -> None:
    """Create a directory and fsync each new level's parent, so the entry itself survives."""
    missing = []
    current = directory
    while not current.exists():
        missing.append(current)
        current = current.parent
    for level in reversed(missing):
        level.mkdir(exist_ok=True)
        fsync_directory(level.parent)


@dataclass(frozen=True)
class WrittenFile:
    path: Path
    sha256: str
    size: int


def write_atomically(final: Path, write: Callable[[Path], None]) -> WrittenFile:
    """Write a file so that `final` is either absent/unchanged or complete, never partial.

    `write(temp_path)` produces the content; we fsync it, hash it, rename it into place and
    fsync the directory. On any error the temporary file is removed and the error raised.
    """
    make_directories(final.parent)
    temp = final.with_name(f".{final.name}.{uuid.uuid4().hex}{TEMP_SUFFIX}")
    try:
        write(temp)
        with open(temp, "rb") as handle:
            os.fsync(handle.fileno())
        digest = sha256_of(temp)
        size = temp.stat().st_size
        os.replace(temp, final)
        fsync_directory(final.parent)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return WrittenFile(final, digest, size)


def write_parquet(frame, final: Path) -> WrittenFile:
    return write_atomically(final, lambda temp: frame.write_parquet(temp, **PARQUET_OPTIONS))


def put_file(source: Path, final: Path) -> WrittenFile:
    """Move a finished file (such as one the engine wrote) into the store, atomically."""
    return write_atomically(final, lambda temp: shutil.move(source, temp))


def move_into_store(source: Path, final: Path) -> None:
    """Move a received upload (already fsynced, same file system) to its final place."""
    make_directories(final.parent)
    os.replace(source, final)
    fsync_directory(final.parent)


@dataclass(frozen=True)
class CurrentFile:
    manifest_id: int
    submission_id: str
    organisation_code: str
    period: str
    path: Path
    sha256: str
    record_count: int


def current_manifest(period_from: str | None = None, period_to: str | None = None):
    """The Parquet files that make up the current data: per organisation and period, the
    latest accepted submission that has not been superseded. Periods are "YYYY-MM",
    inclusive. Returns CurrentFile items ordered by organisation code and period."""
    from portal.submissions.models import ManifestEntry, Status

    entries = ManifestEntry.objects.filter(submission__status=Status.ACCEPTED).select_related(
        "organisation"
    )
    if period_from:
        entries = entries.filter(period__gte=period_from)
    if period_to:
        entries = entries.filter(period__lte=period_to)
    return [
        CurrentFile(
            manifest_id=entry.pk,
            submission_id=str(entry.submission_id),
            organisation_code=entry.organisation.code,
            period=entry.period,
            path=absolute(entry.path),
            sha256=entry.sha256,
            record_count=entry.record_count,
        )
        for entry in entries.order_by("organisation__code", "period")
    ]


@dataclass
class GarbageReport:
    removed: list[str]

    def __len__(self):
        return len(self.removed)


def collect_garbage(min_age_seconds: float = 3600, dry_run: bool = False) -> GarbageReport:
    """Remove temporary files, unfinished uploads, and Parquet/upload files that no row
    refers to. Files younger than `min_age_seconds` are left alone: they may belong to a
    write that is about to commit."""
    from portal.submissions.models import ManifestEntry, Submission

    base = root()
    if not base.exists():
        return GarbageReport([])
    cutoff = time.time() - min_age_seconds
    known_records = set(ManifestEntry.objects.values_list("path", flat=True))
    known_uploads = set(Submission.objects.values_list("upload_path", flat=True))
    known_reports = set(
        Submission.objects.exclude(report_path="").values_list("report_path", flat=True)
    )
    removed = []

    def old(path: Path) -> bool:
        return path.stat().st_mtime <= cutoff

    for path in sorted(base.rglob("*")):
        if not path.is_file() or not old(path):
            continue
        rel = relative(path)
        orphan = (
            path.name.endswith(TEMP_SUFFIX)
            or rel.startswith("incoming/")
            or (rel.startswith("records/") and rel not in known_records)
            or (rel.startswith("uploads/") and rel not in known_uploads)
            or (rel.startswith("reports/") and rel not in known_reports)
        )
        if orphan:
            removed.append(rel)
            if not dry_run:
                path.unlink()
    return GarbageReport(removed)
