import pytest

from tests.submissions.factories import TrustFactory, submitter_for


@pytest.fixture
def trust(db):
    return TrustFactory(code="RX1", name="Example Hospitals NHS Trust")


@pytest.fixture
def other_trust(db):
    return TrustFactory(code="RY2", name="Other Hospitals NHS Trust")


@pytest.fixture
def submitter(trust):
    return submitter_for(trust, email="submitter@rx1.nhs.uk")


@pytest.fixture
def other_submitter(other_trust):
    return submitter_for(other_trust, email="submitter@ry2.nhs.uk")


@pytest.fixture
def submitter_client(client, submitter):
    client.force_login(submitter)
    return client
