"""Personal API tokens: random, shown once, kept only as a SHA-256 hash."""

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from portal.audit.services import record
from portal.submissions.models import ApiToken

PREFIX = "did_"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create(user, name: str) -> tuple[ApiToken, str]:
    """Make a token for `user`; returns the row and the token, which is never stored."""
    token = PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        row = ApiToken.objects.create(
            user=user, name=name.strip(), token_hash=_hash(token), prefix=token[:10]
        )
        record(user, "submissions.api_token_created", target=f"api_token:{row.pk}")
    return row, token


def revoke(user, token_id: int) -> ApiToken:
    with transaction.atomic():
        row = ApiToken.objects.select_for_update().get(pk=token_id, user=user)
        if row.revoked_at is None:
            row.revoked_at = timezone.now()
            row.save(update_fields=["revoked_at"])
            record(user, "submissions.api_token_revoked", target=f"api_token:{row.pk}")
    return row


def authenticate(token: str):
    """The active user holding this token, or None."""
    if not token or not token.startswith(PREFIX):
        return None
    row = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=_hash(token), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if row is None:
        return None
    # Revoking a person's access (accounts) ends their sessions and their older tokens.
    valid_after = getattr(row.user, "sessions_valid_after", None)
    if valid_after is not None and row.created_at <= valid_after:
        return None
    ApiToken.objects.filter(pk=row.pk).update(last_used_at=timezone.now())
    return row.user


def bearer(request) -> str:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""
