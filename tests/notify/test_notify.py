import os
import socket
import subprocess
import sys
from unittest import mock

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message
from notifications_python_client.errors import HTTPError

from portal.notify import services as notify
from portal.notify import templates
from portal.notify.models import MessageStatus, OutboxMessage
from portal.notify.tasks import retry_delay
from tests.accounts.factories import UserFactory, grant

pytestmark = pytest.mark.django_db

INVITATION = {
    "full_name": "Ada Lovelace",
    "organisation_name": "LEEDS TEACHING HOSPITALS NHS TRUST",
    "roles": "submitter",
    "valid_days": 14,
    "expires_on": "9 December 2026",
    "activation_link": "https://did.example.nhs.uk/activate/abc123",
}


class Inbox(Message):
    def __init__(self):
        super().__init__()
        self.received = []

    def handle_message(self, message):
        self.received.append(message)


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_DELIVERY = "smtp"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.DEFAULT_FROM_EMAIL = "did-portal@example.nhs.uk"
    yield inbox
    controller.stop()


def test_a_template_fills_its_placeholders():
    subject, body = templates.get("invitation").render(INVITATION)
    assert subject == "Activate your account for Submit Diagnostic Imaging Data"
    assert "Dear Ada Lovelace," in body
    assert "https://did.example.nhs.uk/activate/abc123" in body
    assert "((" not in body


def test_a_missing_placeholder_is_refused_and_nothing_is_stored():
    with pytest.raises(templates.MissingPersonalisation, match="activation_link, expires_on"):
        notify.send("invitation", "a@example.nhs.uk", {"full_name": "Ada"})
    assert OutboxMessage.objects.count() == 0


def test_an_unknown_template_is_refused():
    with pytest.raises(templates.UnknownTemplate):
        notify.send("no-such-template", "a@example.nhs.uk", {})


def test_other_apps_can_register_their_own_templates(immediate_tasks):
    templates.register("test-greeting", "Hello ((name))", "Hi ((name)), welcome.")
    try:
        message = notify.send("test-greeting", "b@example.nhs.uk", {"name": "Bea"})
    finally:
        templates.REGISTRY.pop("test-greeting")
    assert (message.subject, message.body) == ("Hello Bea", "Hi Bea, welcome.")


def test_sending_queues_a_task_for_the_worker_and_leaves_the_message_queued():
    from django_tasks_db.models import DBTaskResult

    message = notify.send("invitation", "Ada@Example.NHS.uk", INVITATION)
    assert message.to == "ada@example.nhs.uk"
    assert message.status == MessageStatus.QUEUED
    task = DBTaskResult.objects.get()
    assert task.task_path == "portal.notify.tasks.deliver_message"
    assert task.args_kwargs["args"] == [message.pk]


def test_the_outbox_backend_keeps_the_delivered_email(immediate_tasks):
    message = notify.send("invitation", "ada@example.nhs.uk", INVITATION)
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert message.attempts == 1
    assert "https://did.example.nhs.uk/activate/abc123" in message.body


def test_smtp_delivers_to_a_real_server_and_clears_the_stored_content(immediate_tasks, smtp_server):
    message = notify.send("invitation", "ada@example.nhs.uk", INVITATION)
    assert len(smtp_server.received) == 1
    email = smtp_server.received[0]
    assert email["To"] == "ada@example.nhs.uk"
    assert email["From"] == "did-portal@example.nhs.uk"
    assert email["Subject"] == "Activate your account for Submit Diagnostic Imaging Data"
    assert "https://did.example.nhs.uk/activate/abc123" in email.get_payload(decode=True).decode()
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert message.body == "" and message.personalisation == {} and message.content_cleared


def test_smtp_failures_are_retried_then_recorded_as_failed(immediate_tasks, settings):
    settings.EMAIL_DELIVERY = "smtp"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = _free_port()  # nothing listens here
    message = notify.send("invitation", "ada@example.nhs.uk", INVITATION)
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED
    assert message.attempts == 3
    assert "ConnectionRefusedError" in message.last_error
    assert "abc123" in message.body  # not delivered: kept so the desk can see what failed


def test_a_retry_waits_longer_each_time():
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3)] == [30, 60, 120]


def test_the_database_worker_is_asked_to_retry_later(settings):
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from portal.notify.tasks import attempt_delivery

    settings.EMAIL_DELIVERY = "smtp"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = _free_port()
    message = notify.send("invitation", "ada@example.nhs.uk", INVITATION)
    assert attempt_delivery(message.pk) == MessageStatus.RETRYING
    retry = DBTaskResult.objects.order_by("-enqueued_at").first()
    assert DBTaskResult.objects.count() == 2
    assert retry.run_after > timezone.now() + retry_delay(1) - timezone.timedelta(seconds=5)


def test_notify_sends_the_template_id_and_personalisation(immediate_tasks, settings):
    settings.EMAIL_DELIVERY = "notify"
    settings.NOTIFY_API_KEY = "test-key"
    settings.NOTIFY_TEMPLATE_IDS = {"invitation": "6c1f4b4e-1111-2222-3333-444455556666"}
    client = mock.Mock()
    client.send_email_notification.return_value = {"id": "notify-id-1"}
    with mock.patch("portal.notify.backends.notify_client", return_value=client):
        message = notify.send("invitation", "ada@example.nhs.uk", INVITATION)
    client.send_email_notification.assert_called_once_with(
        email_address="ada@example.nhs.uk",
        template_id="6c1f4b4e-1111-2222-3333-444455556666",
        personalisation={k: str(v) for k, v in INVITATION.items()},
    )
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert message.provider_reference == "notify-id-1"
    assert message.personalisation == {}


def _http_error(status):
    response = mock.Mock(status_code=status)
    response.json.return_value = {"errors": [{"error": "x", "message": "refused"}]}
    return HTTPError(response=response)


def test_notify_refusing_a_request_is_not_retried(immediate_tasks, settings):
    settings.EMAIL_DELIVERY = "notify"
    settings.NOTIFY_TEMPLATE_IDS = {"invitation": "6c1f4b4e-1111-2222-3333-444455556666"}
    client = mock.Mock()
    client.send_email_notification.side_effect = _http_error(400)
    with mock.patch("portal.notify.backends.notify_client", return_value=client):
        message = notify.send("invitation", "ada@example.nhs.uk", INVITATION)
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED
    assert message.attempts == 1
    assert "refused the email (400)" in message.last_error


def test_notify_server_errors_are_retried_until_one_succeeds(immediate_tasks, settings):
    settings.EMAIL_DELIVERY = "notify"
    settings.NOTIFY_TEMPLATE_IDS = {"invitation": "6c1f4b4e-1111-2222-3333-444455556666"}
    client = mock.Mock()
    client.send_email_notification.side_effect = [_http_error(500), {"id": "n-2"}]
    with mock.patch("portal.notify.backends.notify_client", return_value=client):
        message = notify.send("invitation", "ada@example.nhs.uk", INVITATION)
    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.SENT, 2)


def test_notify_without_a_template_id_fails_with_a_clear_reason(immediate_tasks, settings):
    settings.EMAIL_DELIVERY = "notify"
    settings.NOTIFY_TEMPLATE_IDS = {}
    message = notify.send("invitation", "ada@example.nhs.uk", INVITATION)
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED
    assert "NOTIFY_TEMPLATE_IDS has no GOV.UK Notify template id for 'invitation'" in (
        message.last_error
    )


def test_the_service_desk_can_read_the_outbox(client, service_desk_user, immediate_tasks):
    message = notify.send("invitation", "ada@example.nhs.uk", INVITATION)
    client.force_login(service_desk_user)
    listing = client.get("/outbox").content.decode()
    assert "ada@example.nhs.uk" in listing
    assert "Activate your account" in listing
    page = client.get(f"/outbox/{message.pk}").content.decode()
    assert 'href="https://did.example.nhs.uk/activate/abc123"' in page


def test_other_signed_in_people_cannot_see_the_outbox(client, organisation):
    from portal.accounts.roles import Role

    guardian = UserFactory()
    grant(guardian, Role.CALDICOTT_GUARDIAN, organisation)
    client.force_login(guardian)
    assert client.get("/outbox").status_code == 404


def test_the_outbox_page_returns_not_found_when_disabled(client, service_desk_user, settings):
    settings.OUTBOX_PAGE_ENABLED = False
    client.force_login(service_desk_user)
    assert client.get("/outbox").status_code == 404


def test_the_outbox_is_not_routed_with_production_settings():
    code = (
        "import django; django.setup(); from django.urls import resolve, Resolver404\n"
        "try:\n    resolve('/outbox'); print('routed')\n"
        "except Resolver404:\n    print('not routed')\n"
        "resolve('/sign-in'); print('sign-in routed')"
    )
    from tests.core.test_settings import GOOD_PRODUCTION

    env = {
        **os.environ,
        **GOOD_PRODUCTION,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DEBUG": "false",
    }
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.stdout.split("\n")[:2] == ["not routed", "sign-in routed"], result.stderr


def test_a_malformed_notify_template_id_setting_stops_start_up():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "NOTIFY_TEMPLATE_IDS": "not json",
    }
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "NOTIFY_TEMPLATE_IDS must be a JSON object" in result.stderr
