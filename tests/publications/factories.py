"""Publications test data: derived records written into the (per-test) record store."""

from pathlib import Path

from django.conf import settings

from did.publish.sample import derived_records


def store_records(periods, providers, per_provider_month=200, name="accepted.parquet", seed=7):
    """Write synthetic accepted, derived records into the test's record store."""
    folder = Path(settings.DID_STORE) / "accepted"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    derived_records(periods, providers, per_provider_month, seed=seed).write_parquet(path)
    return path
