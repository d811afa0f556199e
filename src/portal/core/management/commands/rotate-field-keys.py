from django.core.management.base import BaseCommand
from django.db import transaction

from portal.accounts.models import User


class Command(BaseCommand):
    help = (
        "Re-encrypt the secrets kept encrypted in the database with the first key of "
        "FIELD_ENCRYPTION_KEYS, so an older key can then be removed."
    )

    def handle(self, *args, **options):
        count = 0
        with transaction.atomic():
            # Reading decrypts with any key; saving encrypts with the first.
            for user in User.objects.exclude(totp_secret="").only("pk", "totp_secret"):
                user.save(update_fields=["totp_secret"])
                count += 1
        self.stdout.write(f"Re-encrypted {count} TOTP secret(s) with the newest key.")
