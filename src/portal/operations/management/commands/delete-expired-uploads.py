from django.conf import settings
from django.core.management.base import BaseCommand

from portal.operations.retention import delete_expired_uploads


class Command(BaseCommand):
    help = (
        "Delete raw uploads SUBMISSIONS_RAW_UPLOAD_RETENTION_DAYS after their validation "
        "finished; accepted records stay. Safe to run again: deleted files are skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="List, do not delete.")

    def handle(self, *args, dry_run, **options):
        deleted = delete_expired_uploads(dry_run=dry_run)
        verb = "Would delete" if dry_run else "Deleted"
        for upload in deleted:
            self.stdout.write(f"{verb} the upload of submission {upload.submission_id}")
        days = settings.SUBMISSIONS_RAW_UPLOAD_RETENTION_DAYS
        self.stdout.write(f"{verb} {len(deleted)} raw upload(s) older than {days} days.")
