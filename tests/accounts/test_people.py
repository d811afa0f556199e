"""Revoking access from the people page, and the service desk's invitations page."""

import datetime

import pyotp
import pytest
import time_machine
from django.utils import timezone

from portal.accounts import services
from portal.accounts.models import Invitation
from portal.accounts.roles import Role
from portal.notify.models import OutboxMessage
from tests.accounts.factories import PASSWORD, TOTP_SECRET, UserFactory, grant, with_totp
from tests.certificates.factories import GuardianFactory
from tests.organisations.factories import TrustFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def guardian(organisation):
    user = with_totp(UserFactory(full_name="Gwen Guardian"))
    grant(user, Role.CALDICOTT_GUARDIAN, organisation)
    GuardianFactory(organisation=organisation, name=user.full_name, email=user.email)
    return user


@pytest.fixture
def submitter(organisation):
    user = with_totp(UserFactory(full_name="Sid Submitter"))
    grant(user, Role.SUBMITTER, organisation)
    return user


def _sign_in(client, user):
    client.post("/sign-in", {"email": user.email, "password": PASSWORD})
    response = client.post("/sign-in/code", {"code": pyotp.TOTP(TOTP_SECRET).now()})
    assert response.url == "/account/"


def test_the_guardian_sees_the_organisations_people(client, guardian, submitter):
    client.force_login(guardian)
    html = client.get("/organisations/RR8/people").content.decode()
    assert "Sid Submitter" in html and submitter.email in html
    assert "Gwen Guardian" in html
    assert f"/organisations/RR8/people/{submitter.pk}/revoke" in html


def test_people_from_other_organisations_are_not_listed(client, guardian):
    outsider = UserFactory(full_name="Olive Outsider")
    grant(outsider, Role.SUBMITTER, TrustFactory(code="RJ1"))
    client.force_login(guardian)
    html = client.get("/organisations/RR8/people").content.decode()
    assert "Olive Outsider" not in html
    assert client.get(f"/organisations/RR8/people/{outsider.pk}/revoke").status_code == 404


def assert_cannot_see_or_revoke(client, person, submitter):
    """`person` gets 404 for RR8's people page and for revoking `submitter`, who keeps
    the role."""
    client.force_login(person)
    assert client.get("/organisations/RR8/people").status_code == 404
    response = client.post(
        f"/organisations/RR8/people/{submitter.pk}/revoke", {"reason": "Because"}
    )
    assert response.status_code == 404
    assert submitter.has_role(Role.SUBMITTER)


def test_another_organisations_guardian_and_submitters_get_not_found(client, submitter):
    other_guardian = UserFactory()
    other = TrustFactory(code="RJ1")
    grant(other_guardian, Role.CALDICOTT_GUARDIAN, other)
    GuardianFactory(organisation=other, email=other_guardian.email)
    for person in (other_guardian, submitter):
        assert_cannot_see_or_revoke(client, person, submitter)


def test_revoking_needs_a_reason_shown_in_the_error_summary(client, guardian, submitter):
    client.force_login(guardian)
    response = client.post(f"/organisations/RR8/people/{submitter.pk}/revoke", {"reason": ""})
    html = response.content.decode()
    assert "There is a problem" in html
    assert "Enter why this person" in html
    assert submitter.has_role(Role.SUBMITTER)


def test_a_reason_holding_a_patient_identifier_is_refused(client, guardian, submitter):
    client.force_login(guardian)
    response = client.post(
        f"/organisations/RR8/people/{submitter.pk}/revoke",
        {"reason": "Looked up patient 943 476 5919"},
    )
    assert "looks like it contains an NHS number or a postcode" in response.content.decode()
    assert submitter.has_role(Role.SUBMITTER)


def test_the_guardians_revocation_ends_the_persons_sessions_at_once(
    client, guardian, submitter, django_user_model
):
    from django.test import Client

    their_browser = Client()
    _sign_in(their_browser, submitter)
    assert their_browser.get("/account/").status_code == 200
    client.force_login(guardian)
    response = client.post(
        f"/organisations/RR8/people/{submitter.pk}/revoke", {"reason": "Left the trust"}
    )
    assert response.url == "/organisations/RR8/people"
    assert not submitter.has_role(Role.SUBMITTER)
    after = their_browser.get("/account/")
    assert after.status_code == 302 and after.url.startswith("/sign-in")
    assert "_auth_user_id" not in their_browser.session
    # and they cannot sign back in
    their_browser.post("/sign-in", {"email": submitter.email, "password": PASSWORD})
    assert their_browser.get("/sign-in/code").url == "/sign-in"
    assert OutboxMessage.objects.filter(template_name="access-revoked").exists()


def test_the_service_desk_can_revoke_for_any_organisation(client, service_desk_user, submitter):
    client.force_login(service_desk_user)
    assert client.get("/organisations/RR8/people").status_code == 200
    client.post(f"/organisations/RR8/people/{submitter.pk}/revoke", {"reason": "Requested"})
    assert not submitter.has_role(Role.SUBMITTER)


def test_the_revoker_keeps_their_own_session(client, guardian, submitter):
    client.force_login(guardian)
    client.post(f"/organisations/RR8/people/{submitter.pk}/revoke", {"reason": "Left"})
    assert client.get("/account/").status_code == 200


def test_the_service_desk_sees_unused_and_expired_invitations_but_not_used_ones(
    client, service_desk_user, organisation
):
    waiting = services.upsert_person(
        email="waiting@example.nhs.uk", full_name="W", job_title="", telephone=""
    )
    expired = services.upsert_person(
        email="expired@example.nhs.uk", full_name="E", job_title="", telephone=""
    )
    used = with_totp(UserFactory(email="used@example.nhs.uk"))
    with time_machine.travel(timezone.now() - datetime.timedelta(days=20)):
        services.send_invitation(expired, organisation=organisation, actor=service_desk_user)
    services.send_invitation(waiting, organisation=organisation, actor=service_desk_user)
    services.accept_invitation(
        services.send_invitation(used, organisation=organisation, actor=service_desk_user)
    )
    client.force_login(service_desk_user)
    html = client.get("/service-desk/invitations").content.decode()
    assert "waiting@example.nhs.uk" in html and "Waiting until" in html
    assert "expired@example.nhs.uk" in html and "Expired" in html
    assert "used@example.nhs.uk" not in html


def test_re_inviting_sends_a_new_link_and_the_old_one_stops_working(
    client, service_desk_user, organisation
):
    person = services.upsert_person(
        email="late@example.nhs.uk", full_name="L", job_title="", telephone=""
    )
    with time_machine.travel(timezone.now() - datetime.timedelta(days=20)):
        old = services.send_invitation(person, organisation=organisation, actor=service_desk_user)
    client.force_login(service_desk_user)
    response = client.post(f"/service-desk/invitations/{old.pk}/reinvite")
    assert response.url == "/service-desk/invitations"
    new = Invitation.objects.filter(user=person).order_by("-sent_at").first()
    assert new.pk != old.pk and new.status == "waiting"
    assert Invitation.objects.get(pk=old.pk).status == "replaced"
    assert OutboxMessage.objects.filter(to=person.email, template_name="invitation").count() == 2
    client.logout()
    assert client.get(f"/activate/{old.raw_token}").status_code == 410


def test_only_the_service_desk_sees_or_uses_the_invitations_page(client, guardian, organisation):
    person = services.upsert_person(
        email="p@example.nhs.uk", full_name="P", job_title="", telephone=""
    )
    invitation = services.send_invitation(person, organisation=organisation, actor=None)
    client.force_login(guardian)
    assert client.get("/service-desk/invitations").status_code == 404
    assert client.post(f"/service-desk/invitations/{invitation.pk}/reinvite").status_code == 404
    assert Invitation.objects.filter(user=person).count() == 1


def test_a_guardian_whose_registration_ended_can_no_longer_revoke(client, guardian, submitter):
    from portal.certificates.models import CaldicottGuardian

    CaldicottGuardian.objects.filter(email=guardian.email).update(
        registered_to=timezone.localdate() - datetime.timedelta(days=1)
    )
    assert_cannot_see_or_revoke(client, guardian, submitter)


def test_the_primary_contact_sees_the_people_certificate_and_invitations_but_cannot_remove(
    client, organisation
):
    primary = UserFactory(full_name="Priya Contact")
    grant(primary, Role.PRIMARY_CONTACT, organisation)
    newcomer = UserFactory(full_name="Nia New", activated_at=None)
    grant(newcomer, Role.SUBMITTER, organisation)
    services.send_invitation(newcomer, organisation=organisation, actor=primary)
    client.force_login(primary)
    response = client.get(f"/organisations/{organisation.code}/people")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Priya Contact" in html and "Nia New" in html
    assert "1 of 6" in html  # submitters against the limit
    assert f"{newcomer.email}): sent" in html  # the invitation not yet used
    assert "Remove access" not in html
    assert (
        client.get(f"/organisations/{organisation.code}/people/{newcomer.pk}/revoke").status_code
        == 404
    )
