from django.core.management.base import BaseCommand, CommandError

from portal.audit.services import verify


class Command(BaseCommand):
    help = (
        "Check every audit entry against its content hash and every seal against its HMAC "
        "(AUDIT_SEAL_KEY); exit non-zero naming the first entry or seal that does not fit."
    )

    def handle(self, *args, **options):
        result = verify()
        if not result.ok:
            raise CommandError(result.message)
        self.stdout.write(result.message)
