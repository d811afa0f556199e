"""How an email leaves the portal, chosen by settings.EMAIL_DELIVERY."""

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from portal.notify import templates
from portal.notify.models import OutboxMessage


class PermanentDeliveryError(Exception):
    """The provider refused the message for a reason a retry will not fix."""


def deliver_to_outbox(message: OutboxMessage) -> str:
    # The stored row is the delivered email; nothing leaves the machine.
    return ""


def deliver_by_smtp(message: OutboxMessage) -> str:
    connection = get_connection(
        "django.core.mail.backends.smtp.EmailBackend",
        host=settings.EMAIL_HOST,
        port=settings.EMAIL_PORT,
        username=settings.EMAIL_HOST_USER or None,
        password=settings.EMAIL_HOST_PASSWORD or None,
        use_tls=settings.EMAIL_USE_TLS,
        timeout=30,
    )
    email = EmailMessage(
        subject=message.subject,
        body=message.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.to],
        connection=connection,
    )
    email.send(fail_silently=False)
    return ""


def notify_client():
    from notifications_python_client.notifications import NotificationsAPIClient

    return NotificationsAPIClient(settings.NOTIFY_API_KEY)


def deliver_by_notify(message: OutboxMessage) -> str:
    from notifications_python_client.errors import HTTPError

    template = templates.get(message.template_name)
    if not template.notify_template_id:
        raise PermanentDeliveryError(
            f"NOTIFY_TEMPLATE_IDS has no GOV.UK Notify template id for {template.name!r}."
        )
    try:
        response = notify_client().send_email_notification(
            email_address=message.to,
            template_id=template.notify_template_id,
            personalisation=message.personalisation,
        )
    except HTTPError as error:
        # 400/403 (bad request, key or trial-mode recipient) will not fix themselves; 429
        # (rate limit) and 5xx may.
        status = getattr(error, "status_code", 500)
        if status < 500 and status != 429:
            raise PermanentDeliveryError(f"GOV.UK Notify refused the email ({status}).") from error
        raise
    return str(response.get("id", "")) if isinstance(response, dict) else ""


BACKENDS = {"outbox": deliver_to_outbox, "smtp": deliver_by_smtp, "notify": deliver_by_notify}
