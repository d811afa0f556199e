"""An email a stopped worker was sending is sent again at the next worker start."""

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from portal.notify import services as notify
from portal.notify import tasks
from portal.notify.models import MessageStatus, OutboxMessage
from portal.submissions import recovery

pytestmark = pytest.mark.django_db

RESET = {
    "full_name": "Ada Lovelace",
    "valid_minutes": 60,
    "reset_link": "https://did.example.nhs.uk/reset/abc123",
}


def _cut_off_mid_send(attempts=1):
    """A message as a worker killed while the provider was called leaves it."""
    message = notify.send("password-reset", "ada@example.nhs.uk", RESET)
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=MessageStatus.SENDING, attempts=attempts
    )
    return message


def _running_task_for(message):
    return DBTaskResult.objects.create(
        task_path=tasks.deliver_message.module_path,
        args_kwargs={"args": [message.pk], "kwargs": {}},
        status="RUNNING",
        queue_name="email",
        backend_name="default",
        started_at=timezone.now(),
        worker_ids=["live-worker"],
    )


def test_a_message_cut_off_mid_send_is_sent_at_the_next_worker_start(immediate_tasks):
    message = _cut_off_mid_send()
    recovered = recovery.recover()
    assert [m.pk for m in recovered.interrupted_emails] == [message.pk]
    assert "1 email(s) a stopped worker was sending queued again." in recovered.lines()
    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.SENT, 2)


def test_a_message_a_live_worker_is_sending_is_left_alone():
    message = _cut_off_mid_send()
    _running_task_for(message)
    assert tasks.resume_interrupted_deliveries() == []
    message.refresh_from_db()
    assert message.status == MessageStatus.SENDING


def test_a_message_out_of_attempts_is_failed_not_sent_again():
    message = _cut_off_mid_send(attempts=tasks.MAX_ATTEMPTS)
    assert tasks.resume_interrupted_deliveries() == []
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED
    assert message.last_error == "The worker stopped while sending this email."
