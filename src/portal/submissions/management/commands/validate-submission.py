from django.core.management.base import BaseCommand

from portal.submissions import services


class Command(BaseCommand):
    help = "Validate one submission now, in this process (what the task worker does)."

    def add_arguments(self, parser):
        parser.add_argument("submission_id")

    def handle(self, *args, submission_id, **options):
        submission = services.validate(submission_id)
        if submission is None:
            self.stdout.write("Already finished; nothing to do.")
        else:
            self.stdout.write(f"{submission.pk}: {submission.status}")
