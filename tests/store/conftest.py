from tests.object_storage import BACKENDS

# The same trust and people as the submission tests.
from tests.submissions.conftest import submitter, submitter_client, trust  # noqa: F401


def pytest_generate_tests(metafunc):
    """Every store test runs on both backends, the local folder and S3 (moto server), or on
    those its module names in STORE_BACKENDS."""
    if "store_backend" in metafunc.fixturenames:
        backends = getattr(metafunc.module, "STORE_BACKENDS", BACKENDS)
        metafunc.parametrize("store_backend", backends, indirect=True)
