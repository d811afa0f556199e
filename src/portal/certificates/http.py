"""Small request helpers shared by the certificate views."""

from portal.core.client import client_ip


def posted(request):
    """The POST data when the form was sent (even empty, so required fields complain)."""
    return request.POST if request.method == "POST" else None


def files(request):
    return request.FILES if request.method == "POST" else None


__all__ = ["client_ip", "files", "posted"]
