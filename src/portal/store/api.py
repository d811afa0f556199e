"""The record store's public interface: what submissions, publications and operations call.

- `records()`, `media()`: the configured stores (an ObjectStore: local folder or S3), with
  reading (`open`, `read_bytes`, `exists`, `list`, `local_file`, `duckdb_sources`, `uri`)
  and crash-safe writing (`write`, `put_file`, `receive`, `move`, `put_directory`, `delete`);
- `upload_key`, `report_key`, `records_key`: where a submission's objects live;
- `write_parquet(store, frame, key)`: a Polars frame as a Parquet object, all or nothing;
- `register(submission, stored, count)`: the manifest row that makes accepted records visible;
- `current_files(period_from, period_to)`: the current accepted files for a window;
- `collect_garbage()`, `sweep_partial_files()`: clean-up (`portal store-gc`, resume-submissions).
"""

# The engine's Parquet options: one definition for every Parquet object of the store.
from did.validate.output import PARQUET_OPTIONS
from portal.store.config import media, records
from portal.store.housekeeping import (
    PARTIAL_UNCHANGED_SECONDS,
    GarbageReport,
    collect_garbage,
    sweep_partial_files,
)
from portal.store.layout import records_key, report_key, upload_key
from portal.store.manifest import CurrentFile, current_files, register
from portal.store.models import ManifestEntry
from portal.store.objects import (
    CHUNK,
    IncomingObject,
    ObjectStore,
    StoredObject,
    incoming_key,
    sha256_of,
)

__all__ = [
    "CHUNK",
    "PARTIAL_UNCHANGED_SECONDS",
    "CurrentFile",
    "GarbageReport",
    "IncomingObject",
    "ManifestEntry",
    "ObjectStore",
    "StoredObject",
    "collect_garbage",
    "current_files",
    "incoming_key",
    "media",
    "records",
    "records_key",
    "register",
    "report_key",
    "sha256_of",
    "sweep_partial_files",
    "upload_key",
    "write_parquet",
]


def write_parquet(store: ObjectStore, frame, key: str) -> StoredObject:
    """Write a Polars frame as a Parquet object under `key`, all or nothing."""
    return store.write(key, lambda path: frame.write_parquet(path, **PARQUET_OPTIONS))
