"""Delivery runs in the email worker (`portal worker --queue-name email`) and retries with
backoff."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db.models import F
from django.utils import timezone
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from portal.notify.backends import BACKENDS, PermanentDeliveryError
from portal.notify.models import MessageStatus, OutboxMessage

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
FIRST_RETRY_AFTER = timedelta(seconds=30)


def retry_delay(attempts_so_far: int) -> timedelta:
    """30 seconds, then 60, then 120 …"""
    return FIRST_RETRY_AFTER * (2 ** (attempts_so_far - 1))


@task(queue_name=settings.EMAIL_QUEUE)
def deliver_message(message_id: int) -> str:
    return attempt_delivery(message_id)


def attempt_delivery(message_id: int) -> str:
    """One delivery attempt; on a temporary failure, schedule the next one.

    The message is claimed first (status "sending", one conditional UPDATE: a second task
    for it finds it taken and leaves it), then sent with no transaction open and no row
    locked, however long the provider takes; the outcome is saved afterwards.
    """
    claimed = OutboxMessage.objects.filter(
        pk=message_id, status__in=(MessageStatus.QUEUED, MessageStatus.RETRYING)
    ).update(status=MessageStatus.SENDING, attempts=F("attempts") + 1)
    message = OutboxMessage.objects.get(pk=message_id)
    if not claimed:
        return message.status  # sent, failed, or being sent by another worker
    try:
        reference = BACKENDS[message.delivery](message)
    except PermanentDeliveryError as error:
        message.status = MessageStatus.FAILED
        message.last_error = str(error)[:500]
    except Exception as error:  # noqa: BLE001 - any provider failure is worth a retry
        message.last_error = f"{type(error).__name__}: {error}"[:500]
        message.status = (
            MessageStatus.FAILED if message.attempts >= MAX_ATTEMPTS else MessageStatus.RETRYING
        )
    else:
        message.status = MessageStatus.SENT
        message.sent_at = timezone.now()
        message.provider_reference = reference or ""
        message.last_error = ""
        if message.delivery != "outbox":
            # Delivered elsewhere: do not keep single-use links in our database.
            message.body = ""
            message.personalisation = {}
            message.content_cleared = True
    message.save()
    if message.status == MessageStatus.RETRYING:
        schedule_retry(message)
    elif message.status == MessageStatus.FAILED:
        logger.warning(
            "Email %s (%s) failed after %s attempts: %s",
            message.pk,
            message.template_name,
            message.attempts,
            message.last_error,
        )
    return message.status


def schedule_retry(message: OutboxMessage) -> None:
    runner = deliver_message
    if runner.get_backend().supports_defer:
        runner = runner.using(run_after=timezone.now() + retry_delay(message.attempts))
    runner.enqueue(message.pk)


def resume_interrupted_deliveries() -> list[OutboxMessage]:
    """Messages a stopped worker left "sending", queued again (run at worker start, after
    the stopped workers' task rows are marked failed: portal.operations.orphans).

    A message is "sending" only while a task holds it, so one with no running task for it
    was cut off mid-send. Whether the provider took it is unknown; it is sent again, since
    a second copy of an email does less harm than a lost invitation or outcome. One that
    has used its attempts is failed instead.
    """
    held = {
        row.args_kwargs["args"][0]
        for row in DBTaskResult.objects.running().filter(task_path=deliver_message.module_path)
    }
    resumed = []
    for message in OutboxMessage.objects.filter(status=MessageStatus.SENDING).exclude(pk__in=held):
        out_of_attempts = message.attempts >= MAX_ATTEMPTS
        outcome = MessageStatus.FAILED if out_of_attempts else MessageStatus.RETRYING
        claimed = OutboxMessage.objects.filter(pk=message.pk, status=MessageStatus.SENDING).update(
            status=outcome, last_error="The worker stopped while sending this email."
        )
        if claimed and not out_of_attempts:
            deliver_message.enqueue(message.pk)
            resumed.append(message)
    return resumed
