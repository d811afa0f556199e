import os

import pytest
from django.test import override_settings
from hypothesis import settings as hypothesis_settings

from tests import object_storage

# Property tests draw 50 examples each in `make test` and CI, so the suite stays fast (each
# run draws new ones); HYPOTHESIS_PROFILE=thorough draws 1,000 (before changing a reader or
# a rule, or nightly). No deadline: a slow example is not a failure here (speed is
# measured by `make bench`). Hypothesis's own "default" profile is left as it is: schemathesis
# compares a test's settings with it.
hypothesis_settings.register_profile("suite", max_examples=50, deadline=None)
hypothesis_settings.register_profile("thorough", max_examples=1000, deadline=None)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "suite"))

# Argon2 is deliberately slow (it is most of the suite's time when every factory user hashes
# a password); tests only need hashing to round-trip. Production keeps Argon2 first:
# tests/core/test_settings.py::test_production_hashes_passwords_with_argon2.
FAST_PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing():
    with override_settings(PASSWORD_HASHERS=FAST_PASSWORD_HASHERS):
        yield


@pytest.fixture(scope="session")
def s3_server():
    """A real S3-compatible server on loopback for this test process, with a bucket."""
    saved = {name: os.environ.get(name) for name in object_storage.CREDENTIALS}
    os.environ.update(object_storage.CREDENTIALS)
    server, address = object_storage.start_server()
    yield address
    server.stop()
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture
def store_backend(request):
    """The storage backend of this test: TEST_STORE_BACKEND, or the parameter it is given."""
    return getattr(request, "param", object_storage.DEFAULT_BACKEND)


@pytest.fixture(autouse=True)
def _isolated_store(settings, tmp_path, store_backend, request):
    """Every test gets its own record store and media store: folders of its own, or
    prefixes of its own in the test bucket."""
    settings.DID_STORE = tmp_path / "store"
    settings.MEDIA_ROOT = tmp_path / "media"
    if store_backend == "s3":
        object_storage.use_s3(settings, request.getfixturevalue("s3_server"))


@pytest.fixture
def service_desk_user(db):
    from portal.accounts.roles import Role
    from tests.accounts.factories import UserFactory, grant

    user = UserFactory()
    grant(user, Role.SERVICE_DESK)
    return user


@pytest.fixture
def immediate_tasks(settings):
    """Run background tasks (e.g. email delivery) inline, as the worker would."""
    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
            "QUEUES": settings.TASK_QUEUES_SERVED,
        }
    }


@pytest.fixture
def worker_heartbeats(db, settings):
    """A live worker on each queue, as `portal worker` records them (for /healthz)."""
    from django.utils import timezone

    from portal.operations.models import WorkerHeartbeat

    now = timezone.now()
    return [
        WorkerHeartbeat.objects.create(
            worker_id=f"test-{queue}",
            queues=queue,
            hostname="test",
            pid=1,
            started_at=now,
            beat_at=now,
        )
        for queue in settings.TASK_QUEUES_SERVED
    ]


@pytest.fixture
def organisation(db):
    from tests.organisations.factories import TrustFactory

    return TrustFactory(code="RR8", name="LEEDS TEACHING HOSPITALS NHS TRUST")


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    """On SQLite, test in a file rather than in memory.

    The in-memory test database is shared between connections through SQLite's shared
    cache, whose table locks fail at once instead of waiting; a file gives threads (the
    6-submitter race) the same locking as the real embedded database.
    """
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        database.setdefault("TEST", {})["NAME"] = str(
            tmp_path_factory.mktemp("db") / "test.sqlite3"
        )
