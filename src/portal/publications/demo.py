"""A demonstration release from synthetic records, so the statistics pages are never empty.

Thirteen months of records from the engine's generator (`did synth`, no errors injected)
for its demo trusts, derived with the starter imaging code reference and written as
Parquet beside the release files in the media store (never into the record store), then
published like any release. Deterministic (fixed seeds), so loading it again changes nothing.
"""

from django.utils import timezone

from did import synth
from did.derive import derive
from did.publish.periods import monthly_publication_date, monthly_window, shift
from portal.publications.services import RELEASES, AcceptedFile, publish_release
from portal.store import api as store

DEMO_INPUT = f"{RELEASES}/demo-input"

RECORDS_PER_MONTH = 6000  # on average; months vary so the charts show a shape


def latest_published_period(today) -> str:
    """The latest month whose provisional release is due on or before today."""
    period = f"{today.year:04d}-{today.month:02d}"
    while monthly_publication_date(period) > today:
        period = shift(period, -1)
    return period


def _demo_files(window, media: store.ObjectStore) -> list[AcceptedFile]:
    files = []
    for index, period in enumerate(window.periods):
        name = f"synthetic-{period}.parquet"
        key = f"{DEMO_INPUT}/{name}"
        if not media.exists(key):
            rows = RECORDS_PER_MONTH - 600 + (index * 337) % 1200
            records, _ = synth.generate(rows, period, seed=index)
            store.write_parquet(media, derive(records), key)
        with media.open(key) as handle:
            sha256, _ = store.sha256_of(handle)
        files.append(AcceptedFile(id=f"demo:{name}", key=key, sha256=sha256))
    return files


def load(stdout) -> list[str]:
    window = monthly_window(latest_published_period(timezone.localdate()))
    media = store.media()
    release, created = publish_release(
        window, actor="demo", files=_demo_files(window, media), source=media, is_demo=True
    )
    state = "published" if created else "already present"
    stdout.write(f"Demo statistics release {release.slug}: {state}.")
    return []
