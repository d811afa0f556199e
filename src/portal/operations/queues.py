"""The task queues and what is waiting in them (for /healthz and /metrics)."""

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Min
from django.utils import timezone
from django_tasks_db.models import DBTaskResult


@dataclass(frozen=True)
class QueueDepth:
    waiting: int
    oldest_wait_seconds: float


def depths() -> dict[str, QueueDepth]:
    """Tasks ready to run (not deferred, not started) on each served queue."""
    rows = {
        row["queue_name"]: row
        for row in DBTaskResult.objects.ready()
        .values("queue_name")
        .annotate(waiting=Count("id"), oldest=Min("enqueued_at"))
    }
    now = timezone.now()
    result = {}
    for queue in settings.TASK_QUEUES_SERVED:
        row = rows.get(queue)
        if row is None:
            result[queue] = QueueDepth(0, 0.0)
        else:
            result[queue] = QueueDepth(row["waiting"], (now - row["oldest"]).total_seconds())
    return result
