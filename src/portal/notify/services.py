"""`send(template_name, to, personalisation)`: the one way the portal sends email."""

from django.conf import settings
from django.db import transaction

from portal.notify import templates
from portal.notify.models import OutboxMessage
from portal.notify.tasks import deliver_message


def send(template_name: str, to: str, personalisation: dict) -> OutboxMessage:
    """Render the template, store the message and queue its delivery.

    The message row and the queued task commit with the caller's transaction, so an email
    is sent only if the work that asked for it was saved. Raises UnknownTemplate or
    MissingPersonalisation before anything is stored.
    """
    template = templates.get(template_name)
    personalisation = {key: str(value) for key, value in personalisation.items()}
    subject, body = template.render(personalisation)
    with transaction.atomic():
        message = OutboxMessage.objects.create(
            template_name=template.name,
            to=to.strip().lower(),
            subject=subject,
            body=body,
            personalisation=personalisation,
            delivery=settings.EMAIL_DELIVERY,
        )
        deliver_message.enqueue(message.pk)
    return message
