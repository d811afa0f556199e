"""`portal serve`: the web application under gunicorn with production settings."""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid

import psycopg
import pytest

from tests.core.test_settings import GOOD_PRODUCTION
from tests.submissions.processes import PORTAL, database_url

# The machine's PostgreSQL server (trust auth), where a production process set gets its
# database when the suite itself runs on SQLite.
SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url, timeout=5):
    # The proxy in front terminates TLS and says so; production redirects plain HTTP.
    request = urllib.request.Request(url, headers={"X-Forwarded-Proto": "https"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture
def production_env(transactional_db, settings, tmp_path):
    """Production settings for a real process set. Production refuses SQLite, so on the
    SQLite run of the suite the processes get a PostgreSQL database of their own (the
    machine's server, as CI's), migrated by `portal migrate` and dropped afterwards."""
    port = _free_port()
    env = {
        **os.environ,
        **GOOD_PRODUCTION,
        "DID_STORE": str(settings.DID_STORE),
        "ALLOWED_HOSTS": "127.0.0.1",
        "STATIC_ROOT": str(tmp_path / "static"),
        "SERVE_BIND": f"127.0.0.1:{port}",
        "SERVE_WORKERS": "2",
        "SERVE_THREADS": "2",
    }
    url = database_url()
    own_database = None
    if url.startswith("sqlite"):
        own_database = f"serve_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(SERVER, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{own_database}"')
        url = f"{SERVER}/{own_database}".replace("/postgres/", "/")
        migrated = subprocess.run(
            [*PORTAL, "migrate", "--noinput", "-v", "0"],
            env={**env, "DATABASE_URL": url},
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert migrated.returncode == 0, migrated.stderr
    env["DATABASE_URL"] = url
    yield env, f"http://127.0.0.1:{port}"
    if own_database is not None:
        with psycopg.connect(SERVER, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{own_database}" WITH (FORCE)')


def _serve(env):
    return subprocess.Popen(
        [*PORTAL, "serve"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )


def _children(pid: int) -> list[str]:
    listed = subprocess.run(
        ["ps", "--ppid", str(pid), "-o", "pid="], capture_output=True, text=True
    )
    return listed.stdout.split()


def _wait_until_answering(url, server, deadline=120):
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if server.poll() is not None:
            pytest.fail(server.stdout.read().decode())
        try:
            return _get(url)
        except OSError:
            time.sleep(0.25)
    pytest.fail(f"portal serve did not answer {url} within {deadline} s")


def test_portal_serve_runs_gunicorn_workers_with_production_settings(production_env):
    """Done when: `portal serve` with production settings answers /healthz with the
    worker heartbeat."""
    env, base = production_env
    worker = subprocess.Popen(
        [*PORTAL, "worker", "--queue-name", "validation,email", "--no-startup-delay"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    server = _serve(env)
    try:
        status, headers, body = _wait_until_answering(f"{base}/healthz", server)
        end = time.monotonic() + 60
        while status != 200 and time.monotonic() < end:  # the worker's first beat
            time.sleep(0.5)
            status, headers, body = _get(f"{base}/healthz")
        assert status == 200, body
        assert b'"workers": "ok"' in body
        assert b'"database": "ok"' in body
        assert "gunicorn" in headers.get("Server", "")
        # Two worker processes under one arbiter, as SERVE_WORKERS asked (the arbiter
        # forks them one after another, so on a busy machine the second may come later).
        end = time.monotonic() + 30
        while len(children := _children(server.pid)) != 2 and time.monotonic() < end:
            time.sleep(0.25)
        assert len(children) == 2
    finally:
        server.terminate()
        worker.terminate()
        server.wait(timeout=30)
        worker.wait(timeout=30)
    assert server.returncode == 0


def test_production_serves_static_files_from_the_manifest():
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.STORAGES['staticfiles']['BACKEND'], s.WHITENOISE_USE_FINDERS)"
    )
    env = {**os.environ, **GOOD_PRODUCTION, "DJANGO_SETTINGS_MODULE": "portal.settings"}
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.stdout.split() == [
        "whitenoise.storage.CompressedManifestStaticFilesStorage",
        "False",
    ], result.stderr


def test_production_collects_the_static_files_into_its_manifest(tmp_path):
    """deploy.md's `portal collectstatic --noinput` with production settings: the hashed
    names and the manifest (a stylesheet naming a source map that is not shipped made it
    fail)."""
    env = {
        **os.environ,
        **GOOD_PRODUCTION,
        "STATIC_ROOT": str(tmp_path / "static"),
        "DJANGO_SETTINGS_MODULE": "portal.settings",
    }
    result = subprocess.run(
        [*PORTAL, "collectstatic", "--noinput", "-v", "0"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    manifest = (tmp_path / "static" / "staticfiles.json").read_text()
    assert '"nhsuk/nhsuk-frontend.min.css"' in manifest
