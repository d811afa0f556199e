"""`portal serve`: the web application under gunicorn, the production web process.

Workers, threads, bind address and timeout come from settings (SERVE_* in
docs/configuration.md); the options here override them for one run. `make run` keeps
Django's development server.
"""

import os

from django.conf import settings
from django.core.management.base import BaseCommand
from gunicorn.app.base import BaseApplication
from prometheus_client import multiprocess

from portal.wsgi import application


class PortalApplication(BaseApplication):
    """gunicorn's embedding interface: our options, our WSGI application, no config file."""

    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        return application


def _forget_dead_worker(server, worker):
    """With PROMETHEUS_MULTIPROC_DIR, drop a dead worker's live gauges from /metrics."""
    multiprocess.mark_process_dead(worker.pid)


class Command(BaseCommand):
    help = "Serve the portal under gunicorn (the production web process)."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=settings.SERVE_BIND)
        parser.add_argument("--workers", type=int, default=settings.SERVE_WORKERS)
        parser.add_argument("--threads", type=int, default=settings.SERVE_THREADS)
        parser.add_argument("--timeout", type=int, default=settings.SERVE_TIMEOUT)

    def handle(self, *args, **options):
        extra = {}
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            extra["child_exit"] = _forget_dead_worker
        PortalApplication(
            {
                **extra,
                "bind": options["bind"],
                "workers": options["workers"],
                "threads": options["threads"],
                "timeout": options["timeout"],
                # Request lines go through Django's logging (JSON, request id, redacted
                # tokens), not gunicorn's own access log.
                "accesslog": None,
                "errorlog": "-",
                "loglevel": settings.LOG_LEVEL.lower(),
                "proc_name": "did-portal",
                # A worker restarted after this many requests returns memory a large
                # report page may have taken.
                "max_requests": settings.SERVE_MAX_REQUESTS,
                "max_requests_jitter": max(settings.SERVE_MAX_REQUESTS // 10, 1),
                "forwarded_allow_ips": settings.SERVE_FORWARDED_ALLOW_IPS,
            }
        ).run()
