from django.core.management.base import BaseCommand

from portal.submissions import store


class Command(BaseCommand):
    help = (
        "Remove orphaned files from the record store: temporary files, unfinished uploads "
        "and Parquet files that no manifest row refers to."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--min-age",
            type=float,
            default=3600,
            help="Leave files younger than this many seconds (a write may be committing).",
        )
        parser.add_argument("--dry-run", action="store_true", help="List, do not delete.")

    def handle(self, *args, min_age, dry_run, **options):
        result = store.collect_garbage(min_age_seconds=min_age, dry_run=dry_run)
        verb = "Would remove" if dry_run else "Removed"
        for path in result.removed:
            self.stdout.write(f"{verb} {path}")
        self.stdout.write(f"{verb} {len(result)} orphaned file(s).")
