from django.core.management.base import BaseCommand, CommandError

from portal.audit.services import verify


class Command(BaseCommand):
    help = "Recompute the audit hash chain and report the first broken or missing link."

    def handle(self, *args, **options):
        result = verify()
        if not result.ok:
            raise CommandError(result.message)
        self.stdout.write(result.message)
