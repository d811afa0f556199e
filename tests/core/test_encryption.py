"""Secrets encrypted at rest: TOTP secrets never sit in the database in clear."""

import io

import pyotp
import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection

from portal.accounts.models import User
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


def _stored(user) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT totp_secret FROM accounts_user WHERE id = %s", [user.pk])
        return cursor.fetchone()[0]


def test_a_totp_secret_is_stored_encrypted_and_read_back_in_clear():
    secret = pyotp.random_base32()
    user = UserFactory(totp_secret=secret)
    assert secret not in _stored(user)
    assert User.objects.get(pk=user.pk).totp_secret == secret


def test_no_secret_stays_blank_and_can_be_found_as_blank():
    user = UserFactory(totp_secret="")
    assert _stored(user) == ""
    assert User.objects.filter(totp_secret="").filter(pk=user.pk).exists()


def test_a_new_key_in_front_still_reads_old_rows_and_rotation_moves_them(settings):
    secret = pyotp.random_base32()
    user = UserFactory(totp_secret=secret)
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    assert User.objects.get(pk=user.pk).totp_secret == secret

    out = io.StringIO()
    call_command("rotate-field-keys", stdout=out)
    assert "Re-encrypted" in out.getvalue()
    settings.FIELD_ENCRYPTION_KEYS = [new_key]
    assert User.objects.get(pk=user.pk).totp_secret == secret


def test_a_wrong_key_fails_loudly_without_showing_the_value(settings):
    secret = pyotp.random_base32()
    user = UserFactory(totp_secret=secret)
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(ImproperlyConfigured) as refused:
        User.objects.get(pk=user.pk)
    assert secret not in str(refused.value)
    assert "FIELD_ENCRYPTION_KEYS" in str(refused.value)


@pytest.mark.django_db(transaction=True)
def test_the_migration_encrypts_secrets_that_were_stored_in_clear():
    secret = pyotp.random_base32()
    call_command("migrate", "accounts", "0002", verbosity=0)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO accounts_user (password, email, full_name, job_title, telephone,"
                " is_active, date_joined, totp_secret, totp_last_used_step)"
                " VALUES ('', 'clear@example.nhs.uk', '', '', '', TRUE, CURRENT_TIMESTAMP,"
                " %s, 0)",
                [secret],
            )
    finally:
        call_command("migrate", "accounts", verbosity=0)
    user = User.objects.get(email="clear@example.nhs.uk")
    assert user.totp_secret == secret
    assert secret not in _stored(user)
