"""Secrets stored encrypted at rest (Fernet: AES-128-CBC with an HMAC-SHA256 tag).

Used for values the portal must read back in clear, such as TOTP secrets: a copy of the
database alone must not let anyone generate a person's security codes. The keys come from
FIELD_ENCRYPTION_KEYS (settings); the first encrypts, every key decrypts, so a new key can
be put in front and old rows re-encrypted (`portal rotate-field-keys`) before the old key
is dropped.
"""

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


def _fernet() -> MultiFernet:
    keys = settings.FIELD_ENCRYPTION_KEYS
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except (ValueError, TypeError) as error:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS must be Fernet keys (32 url-safe base64 bytes), comma "
            "separated; make one with: python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())'"
        ) from error


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as error:
        # Never echo the stored value: it is a secret.
        raise ImproperlyConfigured(
            "An encrypted value cannot be read with FIELD_ENCRYPTION_KEYS: was the key "
            "changed without keeping the old one?"
        ) from error


class EncryptedTextField(models.TextField):
    """A text field kept encrypted in the database and clear in Python. Blank stays blank,
    so "no secret yet" is still visible without decrypting; it cannot be searched."""

    def from_db_value(self, value, expression, connection):
        if not value:
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if not value:
            return value
        return encrypt(value)
