from datetime import timedelta

from django.core.management.base import BaseCommand

from did import scratch
from portal.submissions import services


class Command(BaseCommand):
    help = (
        "Queue again the validation of submissions that stopped part-way (e.g. the worker "
        "was killed), and remove the temporary files such runs left behind. Run at worker "
        "start and from a scheduler."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--stalled-for",
            type=float,
            default=600,
            help="Seconds without progress after which a validation counts as stopped.",
        )

    def handle(self, *args, stalled_for, **options):
        resumed = services.resume_stalled(timedelta(seconds=stalled_for))
        for submission in resumed:
            self.stdout.write(f"Queued {submission.pk} again")
        self.stdout.write(f"{len(resumed)} submission(s) queued again.")
        swept = scratch.sweep_stale()
        self.stdout.write(f"{len(swept)} temporary folder(s) of stopped runs removed.")
