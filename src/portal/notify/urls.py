from django.conf import settings
from django.urls import path

from portal.notify import views

app_name = "notify"
# The outbox shows every stored email, links included: it is not routed in production.
urlpatterns = (
    [
        path("outbox", views.outbox, name="outbox"),
        path("outbox/<int:message_id>", views.outbox_message, name="outbox-message"),
    ]
    if settings.OUTBOX_PAGE_ENABLED
    else []
)
