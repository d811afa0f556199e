from django.core.management.base import BaseCommand

from did import scratch
from portal.store import api as store
from portal.submissions import services


class Command(BaseCommand):
    help = (
        "Run at worker start (and from a scheduler): queue again every validation that is "
        "not running, whatever its age (received, or validating under a claim no worker "
        "renews), and remove what crashes leave: partial Parquet files, partial uploads and "
        "the scratch folders of stopped runs."
    )

    def handle(self, *args, **options):
        resumed = services.resume_stalled()
        for submission in resumed:
            self.stdout.write(f"Queued {submission.pk} again")
        self.stdout.write(f"{len(resumed)} submission(s) queued again.")
        partial = store.sweep_partial_files()
        self.stdout.write(f"{len(partial)} partial file(s) removed.")
        swept = scratch.sweep_stale()
        self.stdout.write(f"{len(swept)} temporary folder(s) of stopped runs removed.")
