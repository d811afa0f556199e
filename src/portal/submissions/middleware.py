"""The API authenticates with personal Bearer tokens, never the session cookie.

For paths under /api/ this middleware, placed before LoginRequiredMiddleware, sets
request.user from the token, or answers 401 itself — an API client should get a 401, not
a redirect to the sign-in page. Uploads to the API stream into the record store.
"""

from django.conf import settings
from django.http import JsonResponse

from portal.submissions import tokens, uploads

API_PREFIX = "/api/"


class ApiTokenMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(API_PREFIX):
            user = tokens.authenticate(tokens.bearer(request))
            if user is None:
                response = JsonResponse(
                    {"detail": "Authentication required: send 'Authorization: Bearer <token>'."},
                    status=401,
                )
                response["WWW-Authenticate"] = 'Bearer realm="DID Portal API"'
                return response
            request.user = user
            request._cached_user = user
            request.api_user = user
            if uploads.declared_too_large(request):
                # Refused on the declared length, before a byte of the body is read.
                limit = settings.SUBMISSIONS_MAX_UPLOAD_BYTES
                return JsonResponse(
                    {"detail": f"The file is larger than {limit} bytes."}, status=413
                )
            uploads.install(request, gate=uploads.api_gate(request))
        return self.get_response(request)
