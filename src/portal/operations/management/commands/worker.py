"""`portal worker --queue-name validation`: django-tasks' database worker plus a heartbeat.

Run one per queue (docs/deploy.md): `validation` for file checks, `email` for delivery, so a
month-end backlog of validations never holds up an invitation or a reset email. A worker
that serves the validation queue first recovers from crashes (portal.submissions.recovery):
validations a dead worker left are queued again and its partial files and scratch folders
removed, so no deployment can forget to.
"""

import logging

from django.conf import settings
from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand

from portal.operations.heartbeat import Heartbeat
from portal.submissions import recovery

log = logging.getLogger(__name__)


def serves_validation(queue_names: str, excluded: str = "") -> bool:
    names = [name.strip() for name in queue_names.split(",")]
    if settings.VALIDATION_QUEUE in [name.strip() for name in excluded.split(",")]:
        return False
    return "*" in names or settings.VALIDATION_QUEUE in names


class Command(DatabaseWorkerCommand):
    help = (
        "Run a task worker for the given queues, recording a heartbeat for /healthz; a "
        "validation worker first resumes what a dead worker left and sweeps its leftovers."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        # The reloader would beat from its parent process while the child may be dead.
        parser.set_defaults(reload=False)

    def handle(self, *args, **options):
        if serves_validation(options["queue_name"], options["exclude_queues"] or ""):
            for line in recovery.recover().lines():
                log.info("worker start: %s", line)
        heartbeat = Heartbeat(options["worker_id"], options["queue_name"])
        heartbeat.start()
        try:
            super().handle(*args, **options)
        finally:
            heartbeat.stop()
