"""`portal worker --queue-name validation`: django-tasks' database worker plus a heartbeat.

Run one per queue (docs/deploy.md): `validation` for file checks, `email` for delivery, so a
month-end backlog of validations never holds up an invitation or a reset email.
"""

from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand

from portal.operations.heartbeat import Heartbeat


class Command(DatabaseWorkerCommand):
    help = "Run a task worker for the given queues, recording a heartbeat for /healthz."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        # The reloader would beat from its parent process while the child may be dead.
        parser.set_defaults(reload=False)

    def handle(self, *args, **options):
        heartbeat = Heartbeat(options["worker_id"], options["queue_name"])
        heartbeat.start()
        try:
            super().handle(*args, **options)
        finally:
            heartbeat.stop()
