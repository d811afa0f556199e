"""The manifest moved from the submissions app to the store app with its rows (ADR 091)."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

STORE_BACKENDS = ("local",)  # about the database, not where files live
BEFORE = [("submissions", "0006_validation_claims"), ("store", None)]
AFTER = [("submissions", "0007_manifest_moves_to_the_store"), ("store", "0001_initial")]


@pytest.mark.django_db(transaction=True)
def test_a_manifest_row_written_before_the_move_is_the_store_apps_after_it(store_backend):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    others = [n for n in executor.loader.graph.leaf_nodes() if n[0] not in {"store", "submissions"}]
    old = executor.loader.project_state([*others, BEFORE[0]]).apps
    organisation = old.get_model("organisations", "Organisation").objects.create(
        code="RX1", name="Example", kind="nhs_trust", open_date=datetime.date(2000, 4, 1)
    )
    user = old.get_model("accounts", "User").objects.create(email="a@example.nhs.uk")
    submission = old.get_model("submissions", "Submission").objects.create(
        organisation=organisation,
        period="2026-10",
        submitted_by=user,
        file_name="a.csv",
        file_size=1,
        sha256="0" * 64,
        upload_path="uploads/x/a.csv",
        status="accepted",
    )
    old.get_model("submissions", "ManifestEntry").objects.create(
        submission=submission,
        organisation=organisation,
        period="2026-10",
        path="records/RX1/2026-10/x.parquet",
        sha256="1" * 64,
        record_count=5,
    )

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    entry = new.get_model("store", "ManifestEntry").objects.get()
    assert (entry.path, entry.record_count, entry.submission_id) == (
        "records/RX1/2026-10/x.parquet",
        5,
        submission.pk,
    )
    assert "store_manifestentry" in connection.introspection.table_names()
    assert "submissions_manifestentry" not in connection.introspection.table_names()
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())  # the rest, as the suite expects
