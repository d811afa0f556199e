"""/healthz: the database, the store, a live worker on each queue, queues that move."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from portal.notify.tasks import deliver_message
from portal.operations.models import WorkerHeartbeat
from portal.submissions.services import validate_submission_task

pytestmark = pytest.mark.django_db


def test_no_worker_on_a_queue_is_a_503_naming_the_queue(client, worker_heartbeats):
    WorkerHeartbeat.objects.filter(queues="email").delete()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["workers"] == ("failed: no worker beat in the last 60 s on queue email")


def test_a_worker_whose_beat_is_stale_does_not_count(client, worker_heartbeats):
    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert "on queue validation, email" in response.json()["workers"]


def test_one_worker_for_every_queue_serves_both(client):
    now = timezone.now()
    WorkerHeartbeat.objects.create(
        worker_id="all", queues="*", hostname="h", pid=1, started_at=now, beat_at=now
    )
    assert client.get("/healthz").status_code == 200


def test_the_queue_depth_is_reported_and_a_stuck_queue_fails(client, worker_heartbeats, settings):
    validate_submission_task.enqueue("00000000-0000-0000-0000-000000000001")
    validate_submission_task.enqueue("00000000-0000-0000-0000-000000000002")
    deliver_message.enqueue(1)
    body = client.get("/healthz").json()
    assert body["queue_depth"] == {"validation": 2, "email": 1}
    assert body["queues"] == "ok"

    DBTaskResult.objects.filter(queue_name="validation").update(
        enqueued_at=timezone.now() - timedelta(seconds=settings.HEALTHZ_QUEUE_MAX_WAIT_SECONDS + 5)
    )
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["queues"].startswith(
        "failed: tasks waiting longer than 1800 s on queue validation (2 waiting, oldest"
    )
