import hmac

from django.conf import settings
from django.http import HttpResponse
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST

from portal.accounts import permissions
from portal.operations.metrics import exposition


def metrics_response() -> HttpResponse:
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)


def bearer_token_matches(request) -> bool:
    """The scraper's `Authorization: Bearer <METRICS_TOKEN>`; no token set, no way in."""
    expected = settings.METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    if not expected or not header.startswith("Bearer "):
        return False
    return hmac.compare_digest(header.removeprefix("Bearer ").encode(), expected.encode())


@permissions.require("portal.service_desk")
@require_GET
def metrics(request):
    """For a signed-in service desk user (a scraper uses the token: MetricsTokenMiddleware);
    anyone else gets the 404 every page outside a person's reach gives."""
    return metrics_response()
