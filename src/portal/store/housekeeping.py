"""Clean-up of what crashes and refused writes leave in the record store.

`collect_garbage` (`portal store-gc`, daily) removes every object no row refers to;
`sweep_partial_files` (`portal resume-submissions`, at worker start) removes only what a
stopped write leaves: temporary objects and uploads that never finished.
"""

import time
from dataclasses import dataclass

from portal.store import config
from portal.store.layout import RECORDS, REPORTS, UPLOADS
from portal.store.models import ManifestEntry
from portal.store.objects import INCOMING, PART_SUFFIX, TEMP_SUFFIX
from portal.submissions.models import Submission

# A partial file unchanged for this long belongs to a write that has stopped: a Parquet file
# still being written, or an upload still arriving, changes every few seconds.
PARTIAL_UNCHANGED_SECONDS = 300


@dataclass
class GarbageReport:
    removed: list[str]

    def __len__(self):
        return len(self.removed)


def _is_partial(key: str) -> bool:
    name = key.rsplit("/", 1)[-1]
    return name.endswith(TEMP_SUFFIX) or (
        key.startswith(f"{INCOMING}/") and name.endswith(PART_SUFFIX)
    )


def collect_garbage(min_age_seconds: float = 3600, dry_run: bool = False) -> GarbageReport:
    """Remove temporary objects, unfinished uploads, and records, uploads and reports that
    no row refers to. Objects younger than `min_age_seconds` are left alone: they may belong
    to a write that is about to commit."""
    store = config.records()
    cutoff = time.time() - min_age_seconds
    known = {
        RECORDS: set(ManifestEntry.objects.values_list("path", flat=True)),
        UPLOADS: set(Submission.objects.values_list("upload_path", flat=True)),
        REPORTS: set(
            Submission.objects.exclude(report_path="").values_list("report_path", flat=True)
        ),
    }
    removed = []
    for found in sorted(store.list(), key=lambda o: o.key):
        if found.modified > cutoff:
            continue
        folder = found.key.split("/", 1)[0]
        orphan = (
            _is_partial(found.key)
            or folder == INCOMING
            or (folder in known and found.key not in known[folder])
        )
        if orphan:
            removed.append(found.key)
            if not dry_run:
                store.delete(found.key)
    return GarbageReport(removed)


def sweep_partial_files(unchanged_seconds: float = PARTIAL_UNCHANGED_SECONDS) -> list[str]:
    """Remove what a crash leaves: temporary objects (`*.tmp`) and partial uploads
    (`incoming/*.part`) that have not changed for `unchanged_seconds`."""
    store = config.records()
    cutoff = time.time() - unchanged_seconds
    removed = []
    for found in sorted(store.list(), key=lambda o: o.key):
        if _is_partial(found.key) and found.modified <= cutoff:
            store.delete(found.key)
            removed.append(found.key)
    return removed
