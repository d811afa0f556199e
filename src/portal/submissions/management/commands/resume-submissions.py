from django.core.management.base import BaseCommand

from portal.submissions import recovery


class Command(BaseCommand):
    help = (
        "Run at worker start (`portal worker` does) and from a scheduler: queue again every "
        "validation that is not running, whatever its age (received, or validating under a "
        "claim no worker holds), and remove what crashes leave: partial Parquet files, "
        "partial uploads and the scratch folders of runs whose process has ended."
    )

    def handle(self, *args, **options):
        for line in recovery.recover().lines():
            self.stdout.write(line)
