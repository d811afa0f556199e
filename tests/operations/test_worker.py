"""Validations and emails on their own queues, each worker process beating for /healthz."""

import signal

import pytest
from django_tasks.exceptions import InvalidTaskError
from django_tasks_db.models import DBTaskResult

from portal.notify.tasks import deliver_message
from portal.operations.models import WorkerHeartbeat
from portal.submissions.services import validate_submission_task
from tests.submissions.processes import portal, wait_for


def test_validations_and_emails_are_queued_apart(db):
    validate_submission_task.enqueue("00000000-0000-0000-0000-000000000001")
    deliver_message.enqueue(1)
    assert sorted(DBTaskResult.objects.values_list("task_path", "queue_name")) == [
        ("portal.notify.tasks.deliver_message", "email"),
        ("portal.submissions.services.validate_submission_task", "validation"),
    ]


def test_a_task_on_a_queue_no_worker_serves_is_refused_when_enqueued(db):
    with pytest.raises(InvalidTaskError, match="Queue 'default' is not valid"):
        deliver_message.using(queue_name="default").enqueue(1)


def test_a_worker_beats_while_it_runs_and_says_goodbye_when_stopped(transactional_db, settings):
    worker = portal(
        "worker",
        "--queue-name",
        "email",
        "--no-startup-delay",
        "--worker-id",
        "email-1",
        settings_store=settings.DID_STORE,
    )
    try:
        assert wait_for(
            lambda: WorkerHeartbeat.objects.filter(worker_id="email-1").exists(), timeout=60
        ), worker.stdout.read1().decode() if worker.poll() is not None else "no beat"
        beat = WorkerHeartbeat.objects.get(worker_id="email-1")
        assert beat.queues == "email" and beat.pid == worker.pid
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=30) == 0
    finally:
        if worker.poll() is None:
            worker.kill()
    assert not WorkerHeartbeat.objects.filter(worker_id="email-1").exists()
