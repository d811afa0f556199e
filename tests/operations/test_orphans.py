"""Task rows a stopped worker left "running" are marked failed; a live worker's are kept."""

import socket
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from portal.notify.tasks import deliver_message
from portal.operations import orphans
from portal.operations.models import WorkerHeartbeat

pytestmark = pytest.mark.django_db


def _running(worker_id: str, started_seconds_ago: float) -> DBTaskResult:
    result = deliver_message.enqueue(1)
    row = DBTaskResult.objects.get(pk=result.id)
    row.claim(worker_id)
    DBTaskResult.objects.filter(pk=row.pk).update(
        started_at=timezone.now() - timedelta(seconds=started_seconds_ago)
    )
    return row


def _beat(worker_id: str, *, seconds_ago: float, hostname: str = "elsewhere", pid: int = 1):
    now = timezone.now()
    WorkerHeartbeat.objects.create(
        worker_id=worker_id,
        queues="email",
        hostname=hostname,
        pid=pid,
        started_at=now - timedelta(hours=1),
        beat_at=now - timedelta(seconds=seconds_ago),
    )


def test_only_the_tasks_of_stopped_workers_are_marked_failed(settings):
    stale = settings.WORKER_HEARTBEAT_STALE_SECONDS
    _beat("live-elsewhere", seconds_ago=1)
    _beat("silent", seconds_ago=stale * 3)
    _beat("killed-here", seconds_ago=1, hostname=socket.gethostname(), pid=2**22 + 1)
    live = _running("live-elsewhere", started_seconds_ago=stale * 10)
    silent = _running("silent", started_seconds_ago=stale * 10)
    killed = _running("killed-here", started_seconds_ago=1)
    just_taken = _running("not-beaten-yet", started_seconds_ago=1)
    gone = _running("stopped-long-ago", started_seconds_ago=stale * 10)

    failed = {row.pk for row in orphans.fail_orphaned_tasks()}

    assert failed == {silent.pk, killed.pk, gone.pk}
    assert set(DBTaskResult.objects.running().values_list("pk", flat=True)) == {
        live.pk,
        just_taken.pk,
    }
    row = DBTaskResult.objects.get(pk=killed.pk)
    assert row.status == TaskResultStatus.FAILED and row.finished_at is not None
    assert row.exception_class_path == "portal.operations.orphans.WorkerStopped"
