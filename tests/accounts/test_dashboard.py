import pytest

from portal.accounts.roles import Role
from tests.accounts.factories import UserFactory, grant
from tests.certificates.factories import GuardianFactory
from tests.organisations.factories import TrustFactory

pytestmark = pytest.mark.django_db


def test_the_dashboard_lists_each_organisation_with_the_persons_roles(client, organisation):
    other = TrustFactory(code="RJ1", name="GUY'S AND ST THOMAS' NHS FOUNDATION TRUST")
    user = UserFactory()
    grant(user, Role.SUBMITTER, organisation)
    grant(user, Role.PRIMARY_CONTACT, organisation)
    grant(user, Role.CALDICOTT_GUARDIAN, other)
    GuardianFactory(organisation=other, email=user.email)
    client.force_login(user)
    html = client.get("/account/").content.decode()
    assert "LEEDS TEACHING HOSPITALS NHS TRUST (RR8)" in html
    assert "Your roles: Primary contact, Submitter" in html
    assert "Your roles: Caldicott Guardian" in html
    # the guardian's organisation, and the one they are primary contact of, show its people
    assert 'href="/organisations/RJ1/people"' in html
    assert 'href="/organisations/RR8/people"' in html
    assert "/service-desk/invitations" not in html
    # only the organisation they submit for offers the upload journey
    assert 'href="/submissions/new/RR8/"' in html
    assert 'href="/submissions/new/RJ1/"' not in html
    assert html.count('href="/submissions/"') == 1
    assert "/service-desk/certificates/" not in html


def test_revoked_roles_are_not_shown(client, organisation):
    from django.utils import timezone

    user = UserFactory()
    grant(user, Role.SUBMITTER, TrustFactory(code="RJ1"))
    membership = grant(user, Role.SUBMITTER, organisation)
    membership.revoked_at = timezone.now()
    membership.save()
    client.force_login(user)
    assert "RR8" not in client.get("/account/").content.decode()


def test_the_service_desk_gets_links_to_certificates_invitations_and_the_outbox(
    client, service_desk_user
):
    client.force_login(service_desk_user)
    html = client.get("/account/").content.decode()
    assert 'href="/service-desk/certificates/"' in html
    assert 'href="/service-desk/invitations"' in html
    assert 'href="/outbox"' in html
    assert 'href="/service-desk/submissions/"' in html
    assert 'href="/service-desk/non-submitters/"' in html
    assert 'href="/service-desk/guardians/"' in html


def test_a_submitter_alone_is_not_offered_the_people_page(client, organisation):
    user = UserFactory()
    grant(user, Role.SUBMITTER, organisation)
    client.force_login(user)
    assert 'href="/organisations/RR8/people"' not in client.get("/account/").content.decode()
    assert client.get("/organisations/RR8/people").status_code == 404


def test_someone_with_no_access_is_told_how_to_get_it(client):
    client.force_login(UserFactory())
    html = client.get("/account/").content.decode()
    assert "You do not have access for any organisation" in html


def test_a_guardian_whose_registration_ended_is_not_offered_the_people_page(client, organisation):
    import datetime

    user = UserFactory()
    grant(user, Role.CALDICOTT_GUARDIAN, organisation)
    GuardianFactory(
        organisation=organisation,
        email=user.email,
        registered_to=datetime.date.today() - datetime.timedelta(days=1),
    )
    client.force_login(user)
    html = client.get("/account/").content.decode()
    assert "Your roles: Caldicott Guardian" in html
    assert 'href="/organisations/RR8/people"' not in html
