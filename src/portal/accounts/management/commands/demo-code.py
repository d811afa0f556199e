"""Print the current security code for a demo account (demo secrets only, never production)."""

import pyotp
from django.core.management.base import BaseCommand, CommandError

from portal.accounts.demo import DEMO_SECRETS
from portal.accounts.models import User
from portal.env import PRODUCTION


class Command(BaseCommand):
    help = "Show the current 6-digit security code for a demo account."

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args, email, **options):
        if PRODUCTION:
            raise CommandError("demo-code is for demonstrations only, not production.")
        user = User.objects.filter(email__iexact=email.strip()).first()
        if user is None or user.totp_secret not in DEMO_SECRETS:
            raise CommandError(f"{email} is not a demo account.")
        self.stdout.write(pyotp.TOTP(user.totp_secret).now())
