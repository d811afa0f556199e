"""Typed helpers that read settings from the environment.

Every variable the portal reads goes through one of these helpers, so a test can find
them all and check each is documented in docs/configuration.md. In production
(DJANGO_ENV=production) a `required` variable that is missing stops start-up with a
message naming it; elsewhere the development default is used.
"""

import base64
import hashlib
import os

from django.core.exceptions import ImproperlyConfigured

PRODUCTION = os.environ.get("DJANGO_ENV", "development").strip().lower() == "production"

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _raw(name: str, default: str | None, required: bool) -> str | None:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        if required and PRODUCTION:
            raise ImproperlyConfigured(
                f"{name} must be set when DJANGO_ENV=production (see docs/configuration.md)."
            )
        return default
    return value.strip()


def env_str(name: str, default: str = "", *, required: bool = False) -> str:
    return _raw(name, default, required) or ""


def env_bool(name: str, default: bool) -> bool:
    value = _raw(name, None, False)
    if value is None:
        return default
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def env_int(name: str, default: int, *, minimum: int | None = None, required: bool = False) -> int:
    value = _raw(name, None, required)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {number}.")
    return number


def env_list(name: str, default: list[str], *, required: bool = False) -> list[str]:
    value = _raw(name, None, required)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def fernet_key_from(secret: str) -> str:
    """A Fernet key derived from another secret: the development default for
    FIELD_ENCRYPTION_KEYS (production must set real keys)."""
    digest = hashlib.sha256(f"field-encryption:{secret}".encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()


def fernet_key_is_valid(key: str) -> bool:
    try:
        return len(base64.urlsafe_b64decode(key.encode())) == 32
    except (ValueError, TypeError):
        return False
