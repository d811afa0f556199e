from tests.object_storage import BACKENDS
from tests.submissions.conftest import submitter, trust  # noqa: F401 - the same people and trust


def pytest_generate_tests(metafunc):
    """Every store test runs on both backends, the local folder and S3 (moto server), or on
    those its module names in STORE_BACKENDS."""
    if "store_backend" in metafunc.fixturenames:
        backends = getattr(metafunc.module, "STORE_BACKENDS", BACKENDS)
        metafunc.parametrize("store_backend", backends, indirect=True)
