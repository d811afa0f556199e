"""`portal run-jobs`: the scheduler's one entry point (docs/deploy.md has the cron lines)."""

from django.core.management.base import BaseCommand, CommandError

from portal.operations import jobs


class Command(BaseCommand):
    help = (
        "Run the scheduled jobs that are due (or the named ones, now). Safe on several "
        "machines at once: a job another machine is running is skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument("names", nargs="*", metavar="job", help=", ".join(jobs.JOBS))

    def handle(self, *args, names, **options):
        unknown = sorted(set(names) - set(jobs.JOBS))
        if unknown:
            raise CommandError(
                f"No such job: {', '.join(unknown)}. The jobs are {', '.join(jobs.JOBS)}."
            )
        if names:
            outcomes = [jobs.run(jobs.JOBS[name]) for name in names]
        else:
            outcomes = jobs.run_due()
        failed = []
        for outcome in outcomes:
            if not outcome.ran:
                self.stdout.write(f"{outcome.name}: not due, or running elsewhere")
                continue
            for line in outcome.output.strip().splitlines():
                self.stdout.write(f"{outcome.name}: {line}")
            if outcome.error:
                failed.append(outcome.name)
                self.stderr.write(f"{outcome.name}: {outcome.error}")
        if failed:
            raise CommandError(f"Scheduled job(s) failed: {', '.join(failed)}.")
