from datetime import date

from django.core.management.base import BaseCommand

from portal.submissions import desk


class Command(BaseCommand):
    help = (
        "Email organisations that have not submitted, SUBMISSIONS_REMINDER_DAYS before the "
        "publication cut-off. Safe to run daily: each organisation is reminded once per period."
    )

    def add_arguments(self, parser):
        parser.add_argument("--on", type=date.fromisoformat, help="Pretend today is YYYY-MM-DD.")

    def handle(self, *args, on=None, **options):
        results = desk.send_reminders(on=on)
        reminded = [r for r in results if r.recipients]
        for result in results:
            if result.recipients:
                self.stdout.write(
                    f"Reminded {result.code} for {result.period} ({result.recipients} people)"
                )
            else:
                self.stdout.write(f"Not reminded: {result.code} has no contacts ({result.period})")
        self.stdout.write(f"{len(reminded)} organisation(s) reminded.")
