"""Publications test data: accepted submissions in the record store, registered in its
manifest exactly as the submissions service leaves them."""

import polars as pl

from did.publish.sample import derived_records
from portal.store import api as store
from portal.store.models import ManifestEntry
from portal.submissions.models import Status, Submission
from tests.accounts.factories import UserFactory
from tests.submissions.factories import TrustFactory


def accept(organisation, period: str, frame: pl.DataFrame, user=None) -> ManifestEntry:
    """Store `frame` (derived records) as the accepted submission for organisation+period."""
    user = user or UserFactory()
    submission = Submission.objects.create(
        organisation=organisation,
        period=period,
        submitted_by=user,
        file_name=f"{organisation.code}-{period}.csv",
        file_size=1,
        sha256=f"{organisation.code}{period}".ljust(64, "0"),
        upload_path="uploads/none",
        status=Status.ACCEPTED,
    )
    key = store.records_key(organisation.code, period, submission.id)
    written = store.write_parquet(store.records(), frame, key)
    return store.register(submission, written, frame.height)


def store_records(periods, providers, per_provider_month=200, seed=7) -> list[ManifestEntry]:
    """Synthetic accepted data: one submission per provider and period."""
    frame = derived_records(periods, providers, per_provider_month, seed=seed)
    user = UserFactory()
    entries = []
    for code in providers:
        organisation = TrustFactory(code=code)
        for period in periods:
            part = frame.filter((pl.col("provider_code") == code) & (pl.col("period") == period))
            entries.append(accept(organisation, period, part, user))
    return entries
