"""Readiness checks behind /healthz: can we reach the database and write to the store?"""

import tempfile

from django.conf import settings
from django.db import connection


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_store() -> None:
    store = settings.DID_STORE
    store.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=store, prefix=".healthz-", delete=True) as probe:
        probe.write(b"ok")
        probe.flush()


CHECKS = {"database": check_database, "store": check_store}


def run_checks() -> dict[str, str]:
    results = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
            results[name] = f"failed: {type(exc).__name__}"
        else:
            results[name] = "ok"
    return results
