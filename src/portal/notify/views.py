from django.conf import settings
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from portal.accounts import permissions
from portal.notify.models import OutboxMessage


def _outbox_allowed(request):
    # Outside production only (and only for the national service desk, below).
    if not settings.OUTBOX_PAGE_ENABLED:
        raise Http404(permissions.NOT_FOUND)


@permissions.require("portal.service_desk")
@require_GET
def outbox(request):
    _outbox_allowed(request)
    messages = OutboxMessage.objects.all()[:200]
    return render(request, "notify/outbox.html", {"outbox_messages": messages})


@permissions.require("portal.service_desk")
@require_GET
def outbox_message(request, message_id):
    _outbox_allowed(request)
    message = get_object_or_404(OutboxMessage, pk=message_id)
    return render(request, "notify/outbox_message.html", {"message": message})
