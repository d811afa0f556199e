from django.conf import settings

SERVICE_NAME = "Submit Diagnostic Imaging Data"


def service(request):
    return {
        "service_name": SERVICE_NAME,
        "debug": settings.DEBUG,
        "outbox_enabled": getattr(settings, "OUTBOX_PAGE_ENABLED", False),
    }
