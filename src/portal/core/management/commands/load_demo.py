"""Load the demo data for `make run`. Idempotent: running it again changes nothing.

Each app contributes through a `demo.py` module with `load(stdout) -> list[str]`,
returning the login lines to print; this command runs them in dependency order.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from portal.accounts import demo as accounts_demo
from portal.certificates import demo as certificates_demo
from portal.env import PRODUCTION
from portal.organisations import demo as organisations_demo
from portal.publications import demo as publications_demo

# In dependency order: people belong to organisations, certificates name both.
DEMO_MODULES = [organisations_demo, accounts_demo, certificates_demo, publications_demo]


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
            for module in DEMO_MODULES:
                logins.extend(module.load(self.stdout))
        self.stdout.write("")
        self.stdout.write("Demo logins (demo data only; never use these anywhere real):")
        for line in logins:
            self.stdout.write(f"  {line}")
