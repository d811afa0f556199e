"""End sessions at once when a person's access is revoked.

Sign-in stores the moment in the session (SIGNED_IN_AT). Revocation sets the user's
`sessions_valid_after`; any session that signed in before then is flushed on its next
request. This works with every session backend, without scanning the session table.
"""

from django.contrib.auth import logout
from django.shortcuts import redirect

SIGNED_IN_AT = "portal_signed_in_at"


class SessionEpochMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not session_is_current(request):
            logout(request)
            return redirect("accounts:sign-in")
        return self.get_response(request)


def session_is_current(request) -> bool:
    user = request.user
    if not user.is_active:
        return False
    valid_after = user.sessions_valid_after
    if valid_after is None:
        return True
    # A session without the stamp (e.g. a test's force_login) predates any revocation.
    signed_in_at = request.session.get(SIGNED_IN_AT)
    return signed_in_at is not None and signed_in_at > valid_after.timestamp()
