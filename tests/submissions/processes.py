"""Run the portal's own commands (the task worker above all) as separate processes against
the test database and record store, as they run in production.

`portal()` and `worker()` start one command with the test's settings. `Machine` is one
machine of a production process set (`DJANGO_ENV=production`): web processes under
gunicorn (`portal serve`), workers and scheduled commands, with their own scratch folder,
sharing the database and the record store with the other machines.
"""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from django.db import connection

from tests.core.test_settings import GOOD_PRODUCTION
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


def free_port() -> int:
    """A port nobody listens on now (the OS picks it), on loopback."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


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


def wait_for(condition, timeout: float = 90.0) -> bool:
    """Poll `condition` until it holds (True) or `timeout` seconds pass (False): what a
    process started by the test has done by now."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def worker(
    settings_store: Path, interval: float = 0.1, queues: str = "*", batch: bool = False
) -> subprocess.Popen:
    """A task worker (both queues, or `queues`) polling every `interval` seconds until it
    is stopped, or (`batch`) until no task is left."""
    return portal(
        "worker",
        "--queue-name",
        queues,
        "--no-startup-delay",
        "--interval",
        str(interval),
        *(["--batch"] if batch else []),
        settings_store=settings_store,
    )


def production_env(database: str, folder: Path, **settings: str) -> dict:
    """The environment of a production process set on this machine: production settings
    (tests/core/test_settings.GOOD_PRODUCTION), `database`, a record store under `folder`
    unless `settings` names another backend's, static files collected under it, and
    `settings` on top."""
    return {
        **os.environ,
        **GOOD_PRODUCTION,
        "DATABASE_URL": database,
        "DID_STORE": str(folder / "store"),
        "STATIC_ROOT": str(folder / "static"),
        "ALLOWED_HOSTS": "127.0.0.1",
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "AUDIT_SEAL_DELAY_SECONDS": "0",
        **settings,
    }


def get(url: str, timeout: float = 10, headers: dict | None = None):
    """(status, headers, body) of a GET through the TLS-terminating proxy that production
    expects in front (it says so with X-Forwarded-Proto)."""
    request = urllib.request.Request(url, headers={"X-Forwarded-Proto": "https", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


class Machine:
    """One machine of the process set: its commands share the database and the record
    store given in `env`, and have a scratch folder (TMPDIR) and logs of their own. Each
    command's output goes to a log file (a pipe nobody reads would fill and stop it)."""

    def __init__(self, name: str, env: dict, folder: Path):
        self.name = name
        self.folder = folder / name
        (self.folder / "tmp").mkdir(parents=True, exist_ok=True)
        self.env = {**env, "TMPDIR": str(self.folder / "tmp")}
        self.processes: list[tuple[str, subprocess.Popen]] = []

    def _log(self, label: str):
        return (self.folder / f"{label}.log").open("ab")

    def launch(self, label: str, *args: str, **env: str) -> subprocess.Popen:
        """Start `portal <args>` on this machine; the caller waits for it."""
        with self._log(label) as log:
            return subprocess.Popen(
                [*PORTAL, *args], env={**self.env, **env}, stdout=log, stderr=subprocess.STDOUT
            )

    def start(self, label: str, *args: str, **env: str) -> subprocess.Popen:
        """Start `portal <args>` on this machine as a service, running until stop()."""
        process = self.launch(label, *args, **env)
        self.processes.append((label, process))
        return process

    def run(self, label: str, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        """Run `portal <args>` on this machine to its end; its output is returned."""
        result = subprocess.run(
            [*PORTAL, *args], env=self.env, capture_output=True, text=True, timeout=timeout
        )
        with self._log(label) as log:
            log.write((result.stdout + result.stderr).encode())
        return result

    def serve(self, workers: int = 1, threads: int = 4) -> str:
        """Start `portal serve` (gunicorn) on a free loopback port; its base URL."""
        port = free_port()
        self.start(
            "serve",
            "serve",
            SERVE_BIND=f"127.0.0.1:{port}",
            SERVE_WORKERS=str(workers),
            SERVE_THREADS=str(threads),
        )
        return f"http://127.0.0.1:{port}"

    def worker(self, queue: str, interval: float = 0.2) -> subprocess.Popen:
        """`portal worker --queue-name <queue>` with a worker id naming this machine."""
        return self.start(
            f"worker-{queue}",
            "worker",
            "--queue-name",
            queue,
            "--worker-id",
            f"{self.name}-{queue}",
            "--no-startup-delay",
            "--interval",
            str(interval),
        )

    def logs(self, tail: int = 4000) -> str:
        """The end of every log of this machine, for a failure message."""
        return "\n".join(
            f"--- {self.name}/{path.name}\n{path.read_text(errors='replace')[-tail:]}"
            for path in sorted(self.folder.glob("*.log"))
        )

    def dead(self) -> list[str]:
        """Labels of the services started here that have stopped."""
        return [label for label, process in self.processes if process.poll() is not None]

    def stop(self) -> None:
        """SIGTERM everything started here (workers finish their task), then wait."""
        for _, process in self.processes:
            if process.poll() is None:
                process.terminate()
        for _, process in self.processes:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def wait_until_answering(base: str, machines: list[Machine], seconds: float = 120) -> None:
    """Until `base`/healthz answers at all (any status), or fail with the machines' logs."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            get(f"{base}/healthz", timeout=5)
            return
        except OSError:
            if any(machine.dead() for machine in machines):
                break
            time.sleep(0.25)
    raise AssertionError(
        f"{base} did not answer within {seconds:g} s\n"
        + "\n".join(machine.logs() for machine in machines)
    )
