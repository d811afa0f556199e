"""The address of the person's browser, behind the portal's own proxies (ADR 071).

With `TRUSTED_PROXY_COUNT = N` proxies in front of the portal, each appending the address
it was reached from to `X-Forwarded-For`, the browser's address is the N-th entry from
the right. Anything further left was written by the client and is not believed. With
N = 0 (nothing in front) the header is ignored and `REMOTE_ADDR` is the address.
Every throttle, rate limit and audit entry asks this one function.
"""

import ipaddress

from django.conf import settings


def _address(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    remote = request.META.get("REMOTE_ADDR") or None
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    chain = [entry for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if entry]
    if not chain:
        return remote  # not through the proxies (a health check on the host itself)
    # Fewer entries than proxies: the first proxy that saw the request wrote the first.
    entry = chain[-proxies] if len(chain) >= proxies else chain[0]
    return _address(entry) or remote
