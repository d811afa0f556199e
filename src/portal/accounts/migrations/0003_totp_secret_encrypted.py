"""TOTP secrets move from clear text to encrypted text (portal.core.encryption).

The rows are rewritten with raw SQL: the historical model already has the encrypted field,
which would try to decrypt the clear values on the way in.
"""

from django.db import migrations

import portal.core.encryption


def _rewrite(apps, schema_editor, change):
    table = apps.get_model("accounts", "User")._meta.db_table
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"SELECT id, totp_secret FROM {table} WHERE totp_secret <> ''")  # noqa: S608
        rows = cursor.fetchall()
        for pk, value in rows:
            cursor.execute(
                f"UPDATE {table} SET totp_secret = %s WHERE id = %s",  # noqa: S608
                [change(value), pk],
            )


def encrypt_secrets(apps, schema_editor):
    _rewrite(apps, schema_editor, portal.core.encryption.encrypt)


def decrypt_secrets(apps, schema_editor):
    _rewrite(apps, schema_editor, portal.core.encryption.decrypt)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_invitations_mfa_and_sign_in_attempts"),
    ]

    operations = [
        migrations.AlterField(
            model_name="user",
            name="totp_secret",
            field=portal.core.encryption.EncryptedTextField(blank=True),
        ),
        migrations.RunPython(encrypt_secrets, decrypt_secrets),
    ]
