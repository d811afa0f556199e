"""Low findings: a revoked invitee activated with the link they still had; a revoked
person approved again stayed inactive and got no invitation."""

import pytest

from portal.accounts import services
from portal.accounts.models import Invitation
from portal.accounts.roles import Role
from portal.certificates import services as certificates
from portal.certificates.models import State
from tests.accounts.factories import UserFactory, grant, with_totp
from tests.certificates.factories import GuardianFactory, content, emails_to, link_in, person
from tests.organisations.factories import TrustFactory

pytestmark = pytest.mark.django_db


def _invite(desk, organisation):
    invitee = UserFactory(is_active=False, email="new.person@example.nhs.uk")
    invitee.set_unusable_password()
    invitee.save()
    grant(invitee, Role.SUBMITTER, organisation)
    return invitee, services.send_invitation(invitee, organisation=organisation, actor=desk)


def test_revoking_cancels_the_invitation_so_the_link_no_longer_activates(
    client, organisation, service_desk_user
):
    invitee, invitation = _invite(service_desk_user, organisation)
    services.revoke(invitee, organisation, actor=service_desk_user, reason="Applied in error")
    page = client.get(f"/activate/{invitation.raw_token}")
    assert page.status_code == 410
    assert "This invitation has been withdrawn" in page.content.decode()
    posted = client.post(
        f"/activate/{invitation.raw_token}",
        {
            "new_password": "a-long-enough-passphrase",
            "confirm_password": "a-long-enough-passphrase",
        },
    )
    assert posted.status_code == 410
    invitee.refresh_from_db()
    assert not invitee.is_active and not invitee.has_usable_password()
    assert invitation not in services.outstanding_invitations()


def test_revoking_one_organisation_keeps_the_invitation_for_another(
    organisation, service_desk_user
):
    other = TrustFactory(code="RAE")
    invitee, _ = _invite(service_desk_user, organisation)
    grant(invitee, Role.SUBMITTER, other)
    elsewhere = services.send_invitation(invitee, organisation=other, actor=service_desk_user)
    services.revoke(invitee, organisation, actor=service_desk_user, reason="Moved to RAE")
    assert Invitation.objects.get(pk=elsewhere.pk).status == "waiting"


def test_a_revoked_person_approved_again_is_invited_and_becomes_active(client, service_desk_user):
    trust = TrustFactory(code="RR8", name="LEEDS TEACHING HOSPITALS NHS TRUST")
    guardian = GuardianFactory(organisation=trust, name="Dr Jane Smith")
    returning = with_totp(UserFactory(email="person.1@example.nhs.uk", full_name="Person 1"))
    grant(returning, Role.SUBMITTER, trust)
    services.revoke(returning, trust, actor=service_desk_user, reason="Left")
    returning.refresh_from_db()
    assert not returning.is_active

    application, link = certificates.submit_online(
        content(guardian, people=[person(0, primary_contact=True, submitter=False), person(1)])
    )
    client.post(
        link.replace("http://127.0.0.1:8000", ""),
        {"action": "authorise", "typed_name": guardian.name},
    )
    application.refresh_from_db()
    assert application.state == State.AWAITING_DESK
    result = certificates.approve(application, actor=service_desk_user)
    assert returning in result.invited
    (invitation_email,) = [m for m in emails_to(returning.email) if m.template_name == "invitation"]
    token = link_in(invitation_email, kind="activate")
    # The returning person sets a password and an authenticator again, then is active.
    assert client.get(f"/activate/{token}").status_code == 200
    assert returning.has_role(Role.SUBMITTER, trust)
