from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal.organisations.ods import OdsFileError
from portal.organisations.services import import_ods_files


class Command(BaseCommand):
    help = "Import ODS CSV files (etr.csv trusts, ets.csv trust sites, epraccur.csv GP practices)."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", type=Path)

    def handle(self, *args, files, **options):
        for path in files:
            if not path.is_file():
                raise CommandError(f"{path}: no such file")
        try:
            counts = import_ods_files(files)
        except OdsFileError as exc:
            raise CommandError(f"{exc}. Nothing was imported.") from None
        self.stdout.write(
            f"Imported {', '.join(counts.files)}: {counts.added} added, {counts.updated} updated, "
            f"{counts.closed} closed, {counts.unchanged} unchanged."
        )
