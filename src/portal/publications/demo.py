"""A demonstration release from synthetic records, so the statistics pages are never empty.

The records are generated deterministically (did.publish.sample) for the demo trusts,
written as Parquet beside the release files (never into the record store), and published
like any release. Loading it again changes nothing.
"""

from pathlib import Path

from django.utils import timezone

from did.publish.periods import monthly_publication_date, monthly_window, shift
from did.publish.release import sha256_file
from did.publish.sample import derived_records
from portal.publications.services import AcceptedFile, publish_release, releases_dir

DEMO_PROVIDERS = ["RJ1", "RRV", "RR8", "RXF", "RTH"]
RECORDS_PER_PROVIDER_MONTH = 1500


def latest_published_period(today) -> str:
    """The latest month whose provisional release is due on or before today."""
    period = f"{today.year:04d}-{today.month:02d}"
    while monthly_publication_date(period) > today:
        period = shift(period, -1)
    return period


def load(stdout) -> list[str]:
    window = monthly_window(latest_published_period(timezone.localdate()))
    folder = releases_dir() / "demo-input"
    folder.mkdir(parents=True, exist_ok=True)
    path = Path(folder) / f"synthetic-{window.start}-{window.end}.parquet"
    if not path.exists():
        frame = derived_records(window.periods, DEMO_PROVIDERS, RECORDS_PER_PROVIDER_MONTH)
        frame.write_parquet(path)
    demo_file = AcceptedFile(id=f"demo:{path.name}", path=path, sha256=sha256_file(path))
    release, created = publish_release(window, actor="demo", files=[demo_file], is_demo=True)
    state = "published" if created else "already present"
    stdout.write(f"Demo statistics release {release.slug}: {state}.")
    return []
