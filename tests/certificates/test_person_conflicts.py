"""M1: approving organisation B's application that listed organisation A's primary
contact's email silently renamed that person, and A's own applications were then refused.
Now the desk sees the conflict and decides; nobody is renamed."""

import pytest

from portal.accounts.roles import Role
from portal.audit.models import AuditEntry
from portal.certificates import services
from portal.certificates.models import State
from tests.accounts.factories import UserFactory, grant
from tests.certificates.factories import GuardianFactory, content, emails_to, link_in, person
from tests.organisations.factories import TrustFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def a_contact():
    trust_a = TrustFactory(code="RR8", name="LEEDS TEACHING HOSPITALS NHS TRUST")
    contact = UserFactory(
        email="pat.lee@nhs.net",
        full_name="Pat Lee",
        job_title="PACS manager",
        telephone="0113 496 0001",
    )
    grant(contact, Role.PRIMARY_CONTACT, trust_a)
    return contact


def _signed_by_b(client):
    trust_b = TrustFactory(code="RAE", name="BRADFORD TEACHING HOSPITALS NHS TRUST")
    guardian_b = GuardianFactory(organisation=trust_b, name="Dr Sam Hill")
    people = [
        person(0, primary_contact=True, submitter=False),
        # B names A's primary contact, with other details.
        person(1, email="Pat.Lee@nhs.net", name="Mallory Evil", job_title="Intern"),
    ]
    application, _ = services.submit_online(content(guardian_b, people=people))
    token = link_in(emails_to(guardian_b.email)[-1])
    client.post(f"/guardian/{token}", {"action": "authorise", "typed_name": guardian_b.name})
    application.refresh_from_db()
    assert application.state == State.AWAITING_DESK
    return application


def test_the_desk_sees_the_conflict_and_nothing_changes_until_it_decides(
    client, a_contact, service_desk_user
):
    application = _signed_by_b(client)
    client.force_login(service_desk_user)
    page = client.get(f"/service-desk/certificates/{application.pk}").content.decode()
    assert "People who already have access elsewhere" in page
    assert "LEEDS TEACHING HOSPITALS NHS TRUST (RR8): Primary contact" in page

    refused = client.post(f"/service-desk/certificates/{application.pk}/approve")
    assert refused.status_code == 409
    assert "already have access for another organisation" in refused.content.decode()
    a_contact.refresh_from_db()
    assert a_contact.full_name == "Pat Lee"
    assert not a_contact.has_role(Role.SUBMITTER, application.organisation)
    application.refresh_from_db()
    assert application.state == State.AWAITING_DESK


def test_when_the_desk_confirms_the_person_gains_the_role_but_keeps_their_details(
    client, a_contact, service_desk_user
):
    application = _signed_by_b(client)
    client.force_login(service_desk_user)
    response = client.post(
        f"/service-desk/certificates/{application.pk}/approve", {"confirm_conflicts": "on"}
    )
    assert response.status_code == 302
    a_contact.refresh_from_db()
    assert (a_contact.full_name, a_contact.job_title) == ("Pat Lee", "PACS manager")
    assert a_contact.has_role(Role.SUBMITTER, application.organisation)
    trust_a = a_contact.memberships.get(role=Role.PRIMARY_CONTACT).organisation
    assert a_contact.has_role(Role.PRIMARY_CONTACT, trust_a)
    assert AuditEntry.objects.filter(action="certificates.conflicts_confirmed").exists()
    assert not AuditEntry.objects.filter(
        action="accounts.person_updated", target=a_contact.email
    ).exists()

    # A's own application, with its primary contact's real details, is still accepted.
    guardian_a = GuardianFactory(organisation=trust_a, name="Dr Jane Smith")
    people = [
        person(
            5,
            primary_contact=True,
            submitter=False,
            name="Pat Lee",
            email="pat.lee@nhs.net",
            job_title="PACS manager",
            telephone="0113 496 0001",
        )
    ]
    application_a, _ = services.submit_online(content(guardian_a, people=people))
    assert application_a.state == State.AWAITING_GUARDIAN
