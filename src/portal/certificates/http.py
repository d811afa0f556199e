"""Small request helpers shared by the certificate views."""


def posted(request):
    """The POST data when the form was sent (even empty, so required fields complain)."""
    return request.POST if request.method == "POST" else None


def files(request):
    return request.FILES if request.method == "POST" else None


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None
