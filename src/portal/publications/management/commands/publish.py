"""`portal publish --period YYYY-MM`: publish a release from the record store."""

from django.core.management.base import BaseCommand, CommandError

from did.publish.engines import ENGINES
from did.publish.periods import annual_window, monthly_window
from portal.publications.services import NothingToPublish, publish_release


class Command(BaseCommand):
    help = (
        "Publish the provisional monthly release whose latest month is --period (13 months), "
        "or with --annual the final release for the financial year starting in April of "
        "that year, from the current accepted data, and register it."
    )

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--period", help="latest month of a monthly release, YYYY-MM")
        group.add_argument(
            "--annual", type=int, help="financial year's first year, e.g. 2025 for 2025-26"
        )
        parser.add_argument("--engine", choices=ENGINES, default="duckdb")
        parser.add_argument(
            "--expected",
            help="file listing the ODS codes of the organisations expected to submit, "
            "one a line (default: every provider with data in the window)",
        )

    def handle(self, *args, **options):
        try:
            if options["period"]:
                window = monthly_window(options["period"])
            else:
                window = annual_window(options["annual"])
            expected = None
            if options["expected"]:
                with open(options["expected"], encoding="utf-8") as handle:
                    expected = [line.strip() for line in handle if line.strip()]
            release, created = publish_release(
                window,
                engine=options["engine"],
                actor="portal publish",
                expected_providers=expected,
            )
        except (ValueError, NothingToPublish, OSError) as error:
            raise CommandError(str(error)) from error
        if created:
            self.stdout.write(f"Published {release.slug}: {release.title}.")
        else:
            self.stdout.write(f"Unchanged: {release.slug} already used exactly these inputs.")
