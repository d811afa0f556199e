"""Readiness checks behind /healthz: the database, the store, a live worker on each queue,
and queues that are moving. Each check raises `Unhealthy` (or any error) to fail."""

from django.conf import settings
from django.db import connection

from portal.operations import heartbeat, queues
from portal.store import api as store


class Unhealthy(Exception):
    """A check failed for a reason worth naming in the response."""


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_store() -> None:
    """The record store takes a small object and gives it back (local folder or bucket)."""
    store.records().probe()


def check_workers() -> None:
    live = list(heartbeat.live_workers())
    silent = [
        q for q in settings.TASK_QUEUES_SERVED if not any(heartbeat.serves(w, q) for w in live)
    ]
    if silent:
        raise Unhealthy(
            f"no worker beat in the last {settings.WORKER_HEARTBEAT_STALE_SECONDS} s "
            f"on queue {', '.join(silent)}"
        )


def check_queues() -> None:
    limit = settings.HEALTHZ_QUEUE_MAX_WAIT_SECONDS
    stuck = [
        f"{name} ({depth.waiting} waiting, oldest {depth.oldest_wait_seconds:.0f} s)"
        for name, depth in queues.depths().items()
        if depth.oldest_wait_seconds > limit
    ]
    if stuck:
        raise Unhealthy(f"tasks waiting longer than {limit} s on queue {'; '.join(stuck)}")


CHECKS = {
    "database": check_database,
    "store": check_store,
    "workers": check_workers,
    "queues": check_queues,
}


def run_checks() -> dict[str, str]:
    results = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Unhealthy as exc:
            results[name] = f"failed: {exc}"
        except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
            results[name] = f"failed: {type(exc).__name__}"
        else:
            results[name] = "ok"
    return results


def queue_depths() -> dict[str, int]:
    """Waiting tasks per queue, reported beside the checks (empty if the database is down)."""
    try:
        return {name: depth.waiting for name, depth in queues.depths().items()}
    except Exception:  # noqa: BLE001 - the database check already names the failure
        return {}
