from django.core.management.base import BaseCommand

from portal.audit.services import seal


class Command(BaseCommand):
    help = (
        "Seal the audit entries written since the last seal with an HMAC (key from "
        "AUDIT_SEAL_KEY). Run every minute by the scheduler (portal run-jobs)."
    )

    def handle(self, *args, **options):
        seals = seal()
        entries = sum(s.entry_count for s in seals)
        self.stdout.write(f"Sealed {entries} audit entries in {len(seals)} seal(s).")
