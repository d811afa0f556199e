from pathlib import Path

from django.core.management.base import BaseCommand

from did.reference import write_reference
from portal.submissions import reference_data


class Command(BaseCommand):
    help = (
        "Write the portal's reference data (organisations, sites and GP practices with "
        "their kinds and dates; the imaging code reference) in the formats `did validate "
        "--reference DIR --codes DIR/imaging-codes.csv` reads, so that a file validated "
        "offline gets the portal's report."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path)

    def handle(self, *args, directory: Path, **options):
        written = write_reference(
            directory, reference_data.reference(), reference_data.imaging_codes()
        )
        for path in written:
            self.stdout.write(f"Wrote {path}")
