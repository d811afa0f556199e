import pytest


@pytest.fixture(autouse=True)
def _isolated_store(settings, tmp_path):
    """Every test gets its own record store and media folder."""
    settings.DID_STORE = tmp_path / "store"
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def service_desk_user(db):
    from portal.accounts.roles import Role
    from tests.accounts.factories import UserFactory, grant

    user = UserFactory()
    grant(user, Role.SERVICE_DESK)
    return user
