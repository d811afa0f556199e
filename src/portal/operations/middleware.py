import re
import uuid

from django.http import HttpResponse
from django.urls import reverse

from portal.core.log_filters import request_id
from portal.operations.views import bearer_token_matches, metrics_response

# An id the proxy in front may already have given the request (X-Request-ID); anything
# else is replaced, so a client cannot write arbitrary text into every log line.
_WELL_FORMED_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")


class RequestIdMiddleware:
    """Gives each request an id, in every log line it causes and in its X-Request-ID
    response header, so a user's report of a problem can be matched to the logs.

    The id stays set until the request_finished signal (portal.operations.signals): Django
    logs a 4xx or 5xx response after the whole middleware chain has returned."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get("X-Request-ID", "")
        request.id = given if _WELL_FORMED_ID.fullmatch(given) else uuid.uuid4().hex
        request_id.set(request.id)
        response = self.get_response(request)
        response["X-Request-ID"] = request.id
        return response


class MetricsTokenMiddleware:
    """Lets the Prometheus scraper, which cannot sign in, read /metrics with METRICS_TOKEN.

    Sits before LoginRequiredMiddleware. A request to /metrics without an Authorization
    header goes on to the view, which only the service desk may see; a wrong token gets
    401, never the figures.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.path = reverse("operations:metrics")

    def __call__(self, request):
        if request.path == self.path and "Authorization" in request.headers:
            if request.method == "GET" and bearer_token_matches(request):
                return metrics_response()
            return HttpResponse("Unauthorised\n", status=401, content_type="text/plain")
        return self.get_response(request)
