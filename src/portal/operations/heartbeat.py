"""The worker's sign of life: a row per worker process, refreshed every few seconds."""

import os
import socket
import threading
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone

from portal.operations.models import WorkerHeartbeat


def beat(worker_id: str, queues: str, started_at) -> None:
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={
            "queues": queues,
            "hostname": socket.gethostname()[:255],
            "pid": os.getpid(),
            "started_at": started_at,
            "beat_at": timezone.now(),
        },
    )


def live_workers():
    """Heartbeats recent enough to count: the worker beat within WORKER_HEARTBEAT_STALE."""
    cutoff = timezone.now() - timedelta(seconds=settings.WORKER_HEARTBEAT_STALE_SECONDS)
    return WorkerHeartbeat.objects.filter(beat_at__gte=cutoff)


def serves(heartbeat: WorkerHeartbeat, queue: str) -> bool:
    names = heartbeat.queues.split(",")
    return "*" in names or queue in names


class Heartbeat(threading.Thread):
    """Beats from a daemon thread of the worker process, on its own database connection,
    so a long validation does not look like a dead worker; a dead process stops beating."""

    def __init__(self, worker_id: str, queues: str):
        super().__init__(name="worker-heartbeat", daemon=True)
        self.worker_id, self.queues = worker_id, queues
        self.started_at = timezone.now()
        self._stopped = threading.Event()

    def run(self):
        interval = settings.WORKER_HEARTBEAT_SECONDS
        try:
            while not self._stopped.is_set():
                try:
                    close_old_connections()
                    beat(self.worker_id, self.queues, self.started_at)
                except Exception:  # noqa: BLE001 - a missed beat is reported by /healthz
                    connection.close()
                self._stopped.wait(interval)
        finally:
            connection.close()

    def stop(self):
        """A worker stopping cleanly says so: its row goes, rather than going stale."""
        self._stopped.set()
        self.join(timeout=5)
        WorkerHeartbeat.objects.filter(worker_id=self.worker_id).delete()
