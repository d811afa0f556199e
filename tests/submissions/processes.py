"""Run the portal's own commands (the task worker above all) as separate processes against
the test database and record store, as they run in production."""

import os
import subprocess
import sys
from pathlib import Path

from django.db import connection

from tests.object_storage import store_environment

PORTAL = [sys.executable, "-m", "portal.manage"]


def database_url() -> str:
    """The URL of the database this test uses (SQLite file or PostgreSQL test database)."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
    return (
        f"postgres://{settings['USER']}{password}@{settings['HOST'] or '127.0.0.1'}:"
        f"{settings['PORT'] or 5432}/{settings['NAME']}"
    )


def portal(*args, settings_store: Path, **popen) -> subprocess.Popen:
    """Start `portal <args>` with the test's database and record store."""
    env = dict(os.environ)
    env.update(store_environment())
    env.update(
        DATABASE_URL=database_url(),
        DID_STORE=str(settings_store),
        DEBUG="false",
        TASKS_BACKEND="django_tasks_db.DatabaseBackend",
    )
    popen.setdefault("stdout", subprocess.PIPE)
    popen.setdefault("stderr", subprocess.STDOUT)
    return subprocess.Popen([*PORTAL, *args], env=env, **popen)


def worker(settings_store: Path, interval: float = 0.1) -> subprocess.Popen:
    """A task worker (both queues) polling every `interval` seconds until it is stopped."""
    return portal(
        "worker",
        "--queue-name",
        "*",
        "--no-startup-delay",
        "--interval",
        str(interval),
        settings_store=settings_store,
    )
