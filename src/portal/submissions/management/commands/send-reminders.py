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
        sent = desk.send_reminders(on=on)
        for code, period, recipients in sent:
            self.stdout.write(f"Reminded {code} for {period} ({recipients} people)")
        self.stdout.write(f"{len(sent)} organisation(s) reminded.")
