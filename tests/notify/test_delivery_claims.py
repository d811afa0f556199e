"""An email goes out with no row locked and no transaction open (issue 17.3); a message is
sent by one delivery attempt at a time (claimed by a conditional UPDATE)."""

import threading

import pytest
from django.db import DatabaseError, connection, transaction

from portal.notify import services as notify
from portal.notify import tasks
from portal.notify.models import MessageStatus, OutboxMessage

pytestmark = pytest.mark.django_db(transaction=True)

RESET = {
    "full_name": "Ada Lovelace",
    "valid_minutes": 60,
    "reset_link": "https://did.example.nhs.uk/reset/abc123",
}


def _in_another_connection(body):
    """Run `body` in a thread with a database connection of its own; what it returned, or
    the database error it raised."""
    outcome = {}

    def run():
        try:
            outcome["result"] = body()
        except DatabaseError as error:
            outcome["result"] = f"refused: {error}"
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=60)
    return outcome["result"]


def _lock_and_change_without_waiting(message_id):
    with transaction.atomic():
        OutboxMessage.objects.select_for_update(nowait=True).get(pk=message_id)
        OutboxMessage.objects.filter(pk=message_id).update(provider_reference="probe")
    return "free"


def test_no_lock_is_held_while_the_email_goes_out(monkeypatch):
    message = notify.send("password-reset", "ada@example.nhs.uk", RESET)
    seen = []

    def provider(sent):
        seen.append(_in_another_connection(lambda: _lock_and_change_without_waiting(sent.pk)))
        return "reference-1"

    monkeypatch.setitem(tasks.BACKENDS, "outbox", provider)
    assert tasks.attempt_delivery(message.pk) == MessageStatus.SENT
    assert seen == ["free"]
    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.SENT, 1)


def test_a_message_being_sent_is_left_to_that_attempt(monkeypatch):
    message = notify.send("password-reset", "ada@example.nhs.uk", RESET)
    calls, second = [], []

    def provider(sent):
        calls.append(sent.pk)
        # The same message's task run a second time (queued twice), while this one sends.
        second.append(_in_another_connection(lambda: tasks.attempt_delivery(sent.pk)))
        return ""

    monkeypatch.setitem(tasks.BACKENDS, "outbox", provider)
    assert tasks.attempt_delivery(message.pk) == MessageStatus.SENT
    assert calls == [message.pk]
    assert second == [MessageStatus.SENDING]
    assert tasks.attempt_delivery(message.pk) == MessageStatus.SENT  # and once sent, done
    assert calls == [message.pk]
