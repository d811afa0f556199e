"""Load the demo data for `make run`. Idempotent: running it again changes nothing.

Each app contributes through a `demo.py` module with `load(stdout) -> list[str]`,
returning the login lines to print; this command runs them in dependency order.
"""

from importlib import import_module

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from portal.env import PRODUCTION

DEMO_MODULES = [
    "portal.organisations.demo",
    "portal.accounts.demo",
    "portal.certificates.demo",
    "portal.publications.demo",
]


class Command(BaseCommand):
    help = "Load demo organisations, people and data (idempotent) and print the demo logins."

    def handle(self, *args, **options):
        # The demo people have passwords and security-code secrets written in the source.
        if PRODUCTION:
            raise CommandError(
                "load_demo is for demonstrations only: it creates accounts whose passwords "
                "and security codes are public. It does not run with DJANGO_ENV=production."
            )
        logins: list[str] = []
        with transaction.atomic():
            for module_name in DEMO_MODULES:
                logins.extend(import_module(module_name).load(self.stdout))
        self.stdout.write("")
        self.stdout.write("Demo logins (demo data only; never use these anywhere real):")
        for line in logins:
            self.stdout.write(f"  {line}")
