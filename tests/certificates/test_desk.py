"""The service desk's queue, approval in one transaction, and rejection."""

import datetime

import pytest
import time_machine

from portal.accounts.models import Invitation, Membership, User
from portal.accounts.roles import Role
from portal.audit.models import AuditEntry
from portal.certificates import services
from portal.certificates.models import Application, ApplicationStatus, State
from tests.accounts.factories import UserFactory, grant
from tests.certificates.factories import GuardianFactory, content, emails_to, link_in, person
from tests.organisations.factories import TrustFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def guardian():
    trust = TrustFactory(code="RR8", name="LEEDS TEACHING HOSPITALS NHS TRUST")
    return GuardianFactory(organisation=trust, name="Dr Jane Smith", email="jane.smith@nhs.net")


@pytest.fixture
def desk(client, service_desk_user):
    client.force_login(service_desk_user)
    return client


def _signed(guardian, client, **kwargs):
    application, _ = services.submit_online(content(guardian, **kwargs))
    token = link_in(emails_to(guardian.email)[-1])
    extra = (
        {"confirms_primary_contact_change": "on"} if kwargs.get("changes_primary_contact") else {}
    )
    response = client.post(
        f"/guardian/{token}", {"action": "authorise", "typed_name": guardian.name, **extra}
    )
    assert "Certificate authorised" in response.content.decode()
    application.refresh_from_db()
    return application


def test_approval_adds_the_people_grants_their_roles_and_invites_the_new_ones(
    client, desk, guardian, service_desk_user
):
    application = _signed(guardian, client)
    response = desk.post(f"/service-desk/certificates/{application.pk}/approve")
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.state == State.APPROVED
    org = guardian.organisation
    pc = User.objects.get(email="person.0@example.nhs.uk")
    assert pc.has_role(Role.PRIMARY_CONTACT, org)
    assert not pc.has_role(Role.SUBMITTER, org)
    for n in (1, 2):
        user = User.objects.get(email=f"person.{n}@example.nhs.uk")
        assert user.has_role(Role.SUBMITTER, org)
        assert (user.full_name, user.job_title) == (f"Person {n}", "Radiographer")
    assert Invitation.objects.filter(organisation=org).count() == 3
    assert [m.template_name for m in emails_to("person.1@example.nhs.uk")] == ["invitation"]
    approved = application.statuses.last()
    assert (approved.state, approved.actor) == (State.APPROVED, service_desk_user)
    entry = AuditEntry.objects.get(action="certificates.application_approved")
    assert entry.actor == service_desk_user and entry.target == application.reference


def test_people_who_already_activated_are_not_invited_again(client, desk, guardian):
    existing = UserFactory(email="person.1@example.nhs.uk")
    existing.activated_at = existing.date_joined
    existing.save()
    application = _signed(guardian, client)
    desk.post(f"/service-desk/certificates/{application.pk}/approve")
    assert emails_to("person.1@example.nhs.uk") == []
    assert existing.has_role(Role.SUBMITTER, guardian.organisation)
    assert len(emails_to("person.2@example.nhs.uk")) == 1


def test_going_over_six_submitters_at_approval_changes_nothing_and_says_why(client, desk, guardian):
    application = _signed(guardian, client)
    # Another certificate was approved meanwhile and filled the organisation's places.
    for n in range(5):
        grant(UserFactory(), Role.SUBMITTER, guardian.organisation)
    people_before = User.objects.count()
    memberships_before = Membership.objects.count()
    response = desk.post(f"/service-desk/certificates/{application.pk}/approve")
    html = response.content.decode()
    assert response.status_code == 409
    assert "There is a problem" in html
    assert "Nothing was changed" in html and "submitter access" in html
    assert User.objects.count() == people_before
    assert Membership.objects.count() == memberships_before
    assert Invitation.objects.count() == 0
    application.refresh_from_db()
    assert application.state == State.AWAITING_DESK
    assert AuditEntry.objects.filter(action="certificates.approval_refused").exists()


def test_a_change_after_signing_is_caught_at_approval_and_goes_back_to_the_guardian(
    client, desk, guardian
):
    application = _signed(guardian, client)
    # Someone edits the stored content behind the workflow's back.
    altered = dict(application.content)
    altered["people"] = [*altered["people"], person(9)]
    Application.objects.filter(pk=application.pk).update(content=altered)
    response = desk.post(f"/service-desk/certificates/{application.pk}/approve")
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.state == State.AWAITING_GUARDIAN
    assert application.current_authorisation() is None
    assert not User.objects.filter(email="person.9@example.nhs.uk").exists()
    assert len(emails_to(guardian.email)) == 2
    assert State.VOIDED in [s.state for s in application.statuses.all()]
    page = desk.get(f"/service-desk/certificates/{application.pk}").content.decode()
    assert "Waiting for the Caldicott Guardian" in page


def test_a_declared_change_of_primary_contact_replaces_the_old_one(client, desk, guardian):
    old = UserFactory(email="old.pc@nhs.net")
    grant(old, Role.PRIMARY_CONTACT, guardian.organisation)
    application = _signed(guardian, client, changes_primary_contact=True)
    desk.post(f"/service-desk/certificates/{application.pk}/approve")
    assert not old.has_role(Role.PRIMARY_CONTACT, guardian.organisation)
    new = User.objects.get(email="person.0@example.nhs.uk")
    assert new.has_role(Role.PRIMARY_CONTACT, guardian.organisation)


def test_an_undeclared_primary_contact_change_cannot_be_approved(client, desk, guardian):
    application = _signed(guardian, client)
    # A different primary contact was approved for the organisation after this was signed.
    grant(UserFactory(email="someone.else@nhs.net"), Role.PRIMARY_CONTACT, guardian.organisation)
    response = desk.post(f"/service-desk/certificates/{application.pk}/approve")
    assert response.status_code == 409
    assert "no longer matches the one held" in response.content.decode()
    application.refresh_from_db()
    assert application.state == State.AWAITING_DESK


def test_the_desk_rejects_with_a_reason(client, desk, guardian, service_desk_user):
    application = _signed(guardian, client)
    response = desk.post(f"/service-desk/certificates/{application.pk}/reject", {"reason": ""})
    assert response.status_code == 400
    assert "Enter the reason for rejecting the application" in response.content.decode()
    desk.post(
        f"/service-desk/certificates/{application.pk}/reject", {"reason": "Duplicate of DUC-1"}
    )
    application.refresh_from_db()
    assert application.state == State.REJECTED
    last = application.statuses.last()
    assert (last.actor, last.reason) == (service_desk_user, "Duplicate of DUC-1")
    assert User.objects.filter(email="person.1@example.nhs.uk").count() == 0
    again = desk.post(f"/service-desk/certificates/{application.pk}/approve")
    assert "Only an application waiting for the service desk" in again.content.decode()


def test_the_queue_lists_applications_by_state_with_their_age(client, desk, guardian):
    with time_machine.travel(datetime.datetime(2026, 1, 5, 10, 0, tzinfo=datetime.UTC), tick=False):
        waiting = services.submit_online(content(guardian))[0]
    with time_machine.travel(datetime.datetime(2026, 1, 8, 10, 0, tzinfo=datetime.UTC), tick=False):
        page = desk.get("/service-desk/certificates/?state=awaiting_guardian").content.decode()
        assert waiting.reference in page
        assert "3 days" in page
        assert "Waiting for the Caldicott Guardian (1)" in page
        assert waiting.reference not in desk.get("/service-desk/certificates/").content.decode()
    assert desk.get("/service-desk/certificates/?state=nonsense").status_code == 404


def test_status_rows_cannot_be_changed_or_deleted(client, guardian):
    application = services.submit_online(content(guardian))[0]
    status = application.statuses.get()
    status.reason = "rewritten"
    with pytest.raises(RuntimeError):
        status.save()
    with pytest.raises(RuntimeError):
        status.delete()
    with pytest.raises(RuntimeError):
        ApplicationStatus.objects.filter(pk=status.pk).update(reason="x")
    with pytest.raises(RuntimeError):
        ApplicationStatus.objects.all().delete()


def test_only_the_service_desk_sees_the_queue_and_decides(client, guardian):
    application = services.submit_online(content(guardian))[0]
    submitter = UserFactory()
    grant(submitter, Role.SUBMITTER, guardian.organisation)
    client.force_login(submitter)
    assert client.get("/service-desk/certificates/").status_code == 404
    assert client.get(f"/service-desk/certificates/{application.pk}").status_code == 404
    assert client.post(f"/service-desk/certificates/{application.pk}/approve").status_code == 404
    assert client.post(f"/service-desk/certificates/{application.pk}/reject").status_code == 404


def test_no_audit_entry_for_a_certificate_holds_a_telephone_number(client, desk, guardian):
    application = _signed(guardian, client)
    desk.post(f"/service-desk/certificates/{application.pk}/approve")
    for entry in AuditEntry.objects.filter(action__startswith="certificates."):
        assert "0113" not in str(entry.details)
