from django.core.management.base import BaseCommand

from portal.store import api as store


class Command(BaseCommand):
    help = (
        "Remove orphaned objects from the record store: temporary objects, unfinished "
        "uploads, and records, uploads and reports that no row refers to."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--min-age",
            type=float,
            default=3600,
            help="Leave objects younger than this many seconds (a write may be committing).",
        )
        parser.add_argument("--dry-run", action="store_true", help="List, do not delete.")

    def handle(self, *args, min_age, dry_run, **options):
        result = store.collect_garbage(min_age_seconds=min_age, dry_run=dry_run)
        verb = "Would remove" if dry_run else "Removed"
        for key in result.removed:
            self.stdout.write(f"{verb} {key}")
        self.stdout.write(f"{verb} {len(result)} orphaned file(s).")
