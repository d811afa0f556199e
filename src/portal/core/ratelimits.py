"""Rate limits per client address on the forms that send email or cost work (ADR 071).

django-ratelimit counts in the shared cache (CACHES["default"], the database), keyed by
the browser's real address (`portal.core.client.client_ip`). The limits are
settings.RATE_LIMITS, from the environment. A person over a limit gets a polite page
(429) saying how long to wait; an API client gets 429 in JSON (portal.core.ratelimits
.ApiRateLimit, a django-ninja throttle using the same counter).
"""

from functools import wraps

from django.conf import settings
from django.shortcuts import render
from django_ratelimit.core import get_usage
from ninja.throttling import BaseThrottle

from portal.core.client import client_ip


def _address(group, request) -> str:
    return client_ip(request) or "unknown"


def _person_or_address(group, request) -> str:
    user = getattr(request, "auth", None) or getattr(request, "user", None)
    if getattr(user, "is_authenticated", False):
        return f"user:{user.pk}"
    return f"address:{_address(group, request)}"


def hit(request, group: str, *, key=_address) -> int | None:
    """Count one request against the group's limit: None if within it, else the seconds
    until the limit resets."""
    usage = get_usage(
        request, group=group, key=key, rate=settings.RATE_LIMITS[group], increment=True
    )
    if usage is None or not usage["should_limit"]:
        return None
    return max(int(usage["time_left"]), 1)


def too_many_requests(request, wait_seconds: int):
    minutes = max(1, -(-wait_seconds // 60))
    response = render(request, "core/too_many_requests.html", {"minutes": minutes}, status=429)
    response["Retry-After"] = str(wait_seconds)
    return response


def rate_limited(group: str, *, methods=("POST",)):
    """View decorator: the group's limit per client address, on the given methods."""

    def decorator(view):
        @wraps(view)
        def limited(request, *args, **kwargs):
            if request.method in methods:
                wait = hit(request, group)
                if wait is not None:
                    return too_many_requests(request, wait)
            return view(request, *args, **kwargs)

        return limited

    return decorator


class ApiRateLimit(BaseThrottle):
    """django-ninja throttle: the group's limit per token holder, with the same counter."""

    def __init__(self, group: str = "api"):
        self.group = group
        self.wait_seconds = None

    def allow_request(self, request) -> bool:
        self.wait_seconds = hit(request, self.group, key=_person_or_address)
        return self.wait_seconds is None

    def wait(self):
        return self.wait_seconds
