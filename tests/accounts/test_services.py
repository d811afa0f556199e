import datetime

import pytest
from django.db import connection
from django.utils import timezone

from portal.accounts import services
from portal.accounts.models import Invitation, Membership, User
from portal.accounts.roles import Role
from portal.accounts.services import SubmitterLimitReached
from portal.audit.models import AuditEntry
from portal.notify.models import OutboxMessage
from tests.accounts.factories import UserFactory, grant
from tests.organisations.factories import TrustFactory

pytestmark = pytest.mark.django_db


def _person(n, **extra):
    return services.upsert_person(
        email=f"Person.{n}@Example.NHS.uk",
        full_name=f"Person {n}",
        job_title="Radiographer",
        telephone="0113 496 0000",
        **extra,
    )


def test_a_new_person_gets_a_lower_case_email_an_unusable_password_and_is_not_yet_active():
    user = _person(1)
    assert user.email == "person.1@example.nhs.uk"
    assert not user.has_usable_password()
    assert user.is_active is False
    assert user.activated_at is None
    assert AuditEntry.objects.filter(action="accounts.person_added", target=user.email).exists()


def test_the_same_email_in_another_case_updates_the_same_person():
    first = _person(1)
    again = services.upsert_person(
        email="  PERSON.1@example.nhs.uk ",
        full_name="Person One",
        job_title="Imaging manager",
        telephone="0113 496 0001",
    )
    assert again.pk == first.pk
    assert User.objects.count() == 1
    again.refresh_from_db()
    assert (again.full_name, again.job_title, again.telephone) == (
        "Person One",
        "Imaging manager",
        "0113 496 0001",
    )


def test_updating_an_active_person_keeps_them_active_with_their_password():
    user = UserFactory(email="active@example.nhs.uk")
    services.upsert_person(
        email="active@example.nhs.uk", full_name="New Name", job_title="", telephone=""
    )
    user.refresh_from_db()
    assert user.is_active and user.has_usable_password()
    assert user.full_name == "New Name"
    assert user.job_title == "Radiology manager"  # blank values do not wipe details


def test_granting_a_role_is_audited_and_idempotent(organisation, service_desk_user):
    user = _person(1)
    first = services.grant_role(user, Role.SUBMITTER, organisation, actor=service_desk_user)
    second = services.grant_role(user, Role.SUBMITTER, organisation, actor=service_desk_user)
    assert first.pk == second.pk
    entries = AuditEntry.objects.filter(action="accounts.role_granted", target=user.email)
    assert entries.count() == 1
    assert entries.get().organisation_code == "RR8"
    assert entries.get().details == {"role": "submitter"}
    assert entries.get().actor == service_desk_user


def test_a_seventh_submitter_is_refused_with_a_plain_english_message(
    organisation, service_desk_user
):
    for n in range(6):
        services.grant_role(_person(n), Role.SUBMITTER, organisation, actor=service_desk_user)
    with pytest.raises(SubmitterLimitReached) as raised:
        services.grant_role(_person(7), Role.SUBMITTER, organisation, actor=service_desk_user)
    assert str(raised.value) == (
        "LEEDS TEACHING HOSPITALS NHS TRUST (RR8) already has 6 people with submitter access, "
        "the most a Data User Certificate allows. Remove a submitter's access before adding "
        "another."
    )
    assert Membership.objects.filter(role=Role.SUBMITTER, revoked_at=None).count() == 6


def test_other_roles_and_other_organisations_do_not_count_towards_the_six(
    organisation, service_desk_user
):
    other = TrustFactory(code="RJ1")
    for n in range(6):
        services.grant_role(_person(n), Role.SUBMITTER, other, actor=service_desk_user)
    guardian = _person(10)
    services.grant_role(guardian, Role.CALDICOTT_GUARDIAN, organisation, actor=service_desk_user)
    for n in range(20, 26):
        services.grant_role(_person(n), Role.SUBMITTER, organisation, actor=service_desk_user)
    assert services.active_submitter_count(organisation) == 6


def test_revoked_submitters_no_longer_count_towards_the_six(organisation, service_desk_user):
    people = [_person(n) for n in range(6)]
    for person in people:
        services.grant_role(person, Role.SUBMITTER, organisation, actor=service_desk_user)
    services.revoke(people[0], organisation, actor=service_desk_user, reason="Left the trust")
    newcomer = _person(99)
    membership = services.grant_role(
        newcomer, Role.SUBMITTER, organisation, actor=service_desk_user
    )
    assert membership.revoked_at is None
    assert services.active_submitter_count(organisation) == 6


def test_a_new_primary_contact_replaces_the_previous_one(organisation, service_desk_user):
    old, new = _person(1), _person(2)
    services.grant_role(old, Role.PRIMARY_CONTACT, organisation, actor=service_desk_user)
    services.grant_role(old, Role.SUBMITTER, organisation, actor=service_desk_user)
    services.grant_role(new, Role.PRIMARY_CONTACT, organisation, actor=service_desk_user)
    active = Membership.objects.filter(
        organisation=organisation, role=Role.PRIMARY_CONTACT, revoked_at=None
    )
    assert [m.user for m in active] == [new]
    assert old.has_role(Role.SUBMITTER, organisation)  # only the primary-contact role went
    revoked = AuditEntry.objects.get(action="accounts.role_revoked", target=old.email)
    assert revoked.details == {
        "role": "primary_contact",
        "reason": f"Primary contact replaced by {new.email}",
    }


def test_the_database_itself_refuses_two_active_primary_contacts(organisation):
    from django.db import IntegrityError, transaction

    grant(UserFactory(), Role.PRIMARY_CONTACT, organisation)
    with pytest.raises(IntegrityError), transaction.atomic():
        grant(UserFactory(), Role.PRIMARY_CONTACT, organisation)


def test_the_service_desk_role_is_national_only(organisation, service_desk_user):
    with pytest.raises(ValueError, match="nationally"):
        services.grant_role(_person(1), Role.SERVICE_DESK, organisation, actor=service_desk_user)
    with pytest.raises(ValueError, match="for an organisation"):
        services.grant_role(_person(2), Role.SUBMITTER, None, actor=service_desk_user)


def test_an_invitation_stores_only_the_hash_of_its_token_and_emails_the_link(
    organisation, service_desk_user, settings
):
    settings.PORTAL_BASE_URL = "https://did.example.nhs.uk"
    user = _person(1)
    services.grant_role(user, Role.SUBMITTER, organisation, actor=service_desk_user)
    invitation = services.send_invitation(user, organisation=organisation, actor=service_desk_user)
    token = invitation.raw_token
    stored = Invitation.objects.get(pk=invitation.pk)
    assert len(token) >= 40
    assert stored.token_hash != token and len(stored.token_hash) == 64
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_invitation")
        assert token not in repr(cursor.fetchall())
    message = OutboxMessage.objects.get(template_name="invitation")
    assert message.to == user.email
    assert f"https://did.example.nhs.uk/activate/{token}" in message.body
    assert "LEEDS TEACHING HOSPITALS NHS TRUST as submitter" in message.body
    assert services.find_invitation(token) == stored
    assert AuditEntry.objects.filter(action="accounts.invitation_sent", target=user.email).exists()


def test_an_invitation_expires_fourteen_days_after_sending(organisation, service_desk_user):
    user = _person(1)
    invitation = services.send_invitation(user, organisation=organisation, actor=service_desk_user)
    assert invitation.expires_at - invitation.sent_at == datetime.timedelta(days=14)
    assert abs(invitation.sent_at - timezone.now()) < datetime.timedelta(seconds=5)


def test_a_new_invitation_replaces_the_old_link(organisation, service_desk_user):
    user = _person(1)
    first = services.send_invitation(user, organisation=organisation, actor=service_desk_user)
    second = services.reinvite(first, actor=service_desk_user)
    first.refresh_from_db()
    assert first.status == "replaced"
    assert second.status == "waiting"
    assert services.find_invitation(first.raw_token).status == "replaced"


def test_revoking_removes_every_role_at_that_organisation_and_stops_sign_in(
    organisation, service_desk_user
):
    user = UserFactory()
    grant(user, Role.SUBMITTER, organisation)
    grant(user, Role.PRIMARY_CONTACT, organisation)
    revoked = services.revoke(user, organisation, actor=service_desk_user, reason="Left the trust")
    assert len(revoked) == 2
    assert not user.active_memberships().exists()
    user.refresh_from_db()
    assert user.is_active is False
    assert user.sessions_valid_after is not None
    entries = AuditEntry.objects.filter(action="accounts.role_revoked", target=user.email)
    assert {e.details["role"] for e in entries} == {"submitter", "primary_contact"}
    assert OutboxMessage.objects.filter(template_name="access-revoked", to=user.email).exists()


def test_revoking_at_one_organisation_keeps_access_elsewhere(organisation, service_desk_user):
    other = TrustFactory(code="RJ1")
    user = UserFactory()
    grant(user, Role.SUBMITTER, organisation)
    grant(user, Role.SUBMITTER, other)
    services.revoke(user, organisation, actor=service_desk_user, reason="Moved to RJ1")
    user.refresh_from_db()
    assert user.is_active is True
    assert user.sessions_valid_after is None
    assert user.has_role(Role.SUBMITTER, other)


def test_revoking_needs_a_reason(organisation, service_desk_user):
    user = UserFactory()
    grant(user, Role.SUBMITTER, organisation)
    with pytest.raises(ValueError, match="reason"):
        services.revoke(user, organisation, actor=service_desk_user, reason="  ")
    assert user.has_role(Role.SUBMITTER, organisation)
