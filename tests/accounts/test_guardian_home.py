"""Issue 15: the Caldicott Guardian's home: what waits for them, what they decided, their
organisation's contacts and submitters, and what to do next; nobody else sees it."""

import datetime

import pytest
from django.utils import timezone

from portal.accounts.roles import Role
from portal.certificates import services
from tests.accounts.factories import UserFactory, grant
from tests.certificates.factories import GuardianFactory, content, person
from tests.organisations.factories import TrustFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def trust():
    return TrustFactory(code="RR8", name="LEEDS TEACHING HOSPITALS NHS TRUST")


@pytest.fixture
def register_entry(trust):
    return GuardianFactory(organisation=trust, name="Dr Jane Smith", email="jane.smith@nhs.net")


@pytest.fixture
def guardian_user(register_entry, trust):
    user = UserFactory(email="jane.smith@nhs.net", full_name="Jane Smith")
    grant(user, Role.CALDICOTT_GUARDIAN, trust)
    return user


def _sign(link, register_entry):
    services.authorise_online(
        link.rstrip("/").rsplit("/", 1)[1],
        typed_name=register_entry.name,
        confirms_primary_contact_change=False,
        ip_address=None,
        user_agent="test",
    )


def test_the_guardian_sees_what_waits_what_they_decided_and_their_contacts(
    client, trust, register_entry, guardian_user
):
    signed, link = services.submit_online(content(register_entry))
    _sign(link, register_entry)
    _, link = services.submit_online(content(register_entry))
    services.decline_online(link.rsplit("/", 1)[1], reason="Not needed", ip_address=None)
    waiting, _ = services.submit_online(content(register_entry))
    contact = UserFactory(full_name="Pat Contact", email="pat.contact@example.nhs.uk")
    grant(contact, Role.PRIMARY_CONTACT, trust)
    grant(UserFactory(full_name="Sam Submitter", email="sam@example.nhs.uk"), Role.SUBMITTER, trust)
    # Someone else's organisation is never mixed in.
    elsewhere = GuardianFactory(organisation=TrustFactory(code="RTH"))
    services.submit_online(content(elsewhere))

    client.force_login(guardian_user)
    dashboard = client.get("/account/").content.decode()
    assert 'href="/organisations/RR8/guardian"' in dashboard
    response = client.get("/organisations/rr8/guardian")
    assert response.status_code == 200
    html = response.content.decode()
    waiting_part = html[html.index('id="waiting"') : html.index("What you have decided")]
    assert waiting.reference in waiting_part and signed.reference not in waiting_part
    assert "jane.smith@nhs.net" in waiting_part
    decided = html[html.index('id="decided"') : html.index("Primary contact")]
    assert signed.reference in decided and "Signed" in decided and "Declined" in decided
    assert "Pat Contact" in html and "pat.contact@example.nhs.uk" in html
    assert "Sam Submitter" in html and "Submitters (1 of 6)" in html
    assert 'href="/organisations/RR8/people"' in html
    assert 'href="/contacts/"' in html
    assert "DUC-" in html and elsewhere.organisation.code not in html


def test_nobody_else_sees_the_guardians_home(client, trust, register_entry, guardian_user):
    for user in (
        grant(UserFactory(), Role.PRIMARY_CONTACT, trust).user,
        grant(UserFactory(), Role.SUBMITTER, trust).user,
        # The role at another organisation is not the role here.
        grant(UserFactory(), Role.CALDICOTT_GUARDIAN, TrustFactory(code="RTH")).user,
    ):
        client.force_login(user)
        assert client.get("/organisations/RR8/guardian").status_code == 404
        assert "/guardian" not in client.get("/account/").content.decode()
    client.logout()
    assert client.get("/organisations/RR8/guardian").status_code == 302  # to sign in


def test_the_home_ends_with_the_registration(client, register_entry, guardian_user):
    register_entry.registered_to = timezone.localdate() - datetime.timedelta(days=1)
    register_entry.save()
    client.force_login(guardian_user)
    assert client.get("/organisations/RR8/guardian").status_code == 404
    assert "/organisations/RR8/guardian" not in client.get("/account/").content.decode()


def test_an_expired_link_says_to_ask_the_desk_for_a_new_one(client, register_entry, guardian_user):
    application, _ = services.submit_online(
        content(register_entry, people=[person(0, primary_contact=True)])
    )
    application.guardian_links.update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    client.force_login(guardian_user)
    html = client.get("/organisations/RR8/guardian").content.decode()
    assert "Its link has expired" in html and application.reference in html
    assert "Nothing is waiting" not in html


def test_with_nothing_to_do_the_home_says_so(client, guardian_user):
    client.force_login(guardian_user)
    html = client.get("/organisations/RR8/guardian").content.decode()
    assert "Nothing is waiting for you to sign" in html
    assert "You have not signed or declined any application" in html
    assert "Your organisation has no primary contact" in html
