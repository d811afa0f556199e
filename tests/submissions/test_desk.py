"""The service desk's view of the collection, and reminder emails."""

from datetime import date

import pytest
from django.core.management import call_command

from portal.accounts.roles import Role
from portal.notify.models import OutboxMessage
from portal.submissions import services
from portal.submissions.models import ReminderSent
from tests.accounts.factories import UserFactory, grant
from tests.submissions.factories import outcome, received_submission


@pytest.fixture
def contact(trust):
    person = UserFactory(
        email="contact@rx1.nhs.uk", full_name="Pat Contact", telephone="0113 496 0001"
    )
    grant(person, Role.PRIMARY_CONTACT, trust)
    return person


def _accept(user, organisation, period):
    submission = received_submission(user, organisation, period=period, content=period.encode())
    services.start_validation(submission.pk)
    return services.store_outcome(submission, outcome(period=period))


def test_only_the_service_desk_sees_the_overview(client, submitter, service_desk_user):
    client.force_login(submitter)
    assert client.get("/service-desk/submissions/").status_code == 404
    assert client.get("/service-desk/non-submitters/").status_code == 404
    client.force_login(service_desk_user)
    assert client.get("/service-desk/submissions/").status_code == 200


def test_the_overview_shows_each_organisation_and_month(
    client, service_desk_user, submitter, other_submitter, trust, settings
):
    import time_machine

    with time_machine.travel("2026-11-10 09:00:00+00:00"):
        _accept(submitter, trust, "2026-10")
        rejected = received_submission(
            other_submitter, other_submitter.memberships.get().organisation, period="2026-10"
        )
        services.start_validation(rejected.pk)
        services.store_outcome(rejected, outcome(accepted=False, errors=1))
        client.force_login(service_desk_user)
        page = client.get("/service-desk/submissions/").content.decode()
    assert "Example Hospitals NHS Trust (RX1)" in page and "(RY2)" in page
    assert "1 received, 1 accepted, 0 rejected" in page
    assert "1 received, 0 accepted, 1 rejected" in page
    assert 'data-state="missing"' in page  # earlier months


def test_the_non_submitters_list_gives_primary_contact_details(
    client, service_desk_user, contact, submitter, other_submitter, other_trust
):
    _accept(other_submitter, other_trust, "2026-10")
    client.force_login(service_desk_user)
    page = client.get("/service-desk/non-submitters/?period=2026-10").content.decode()
    assert "Example Hospitals NHS Trust (RX1)" in page
    assert "Pat Contact" in page and "contact@rx1.nhs.uk" in page and "0113 496 0001" in page
    assert "(RY2)" not in page  # it has submitted


def test_reminders_go_to_contacts_and_submitters_once_per_organisation_and_period(
    contact, submitter, other_submitter, other_trust, immediate_tasks
):
    _accept(other_submitter, other_trust, "2026-10")
    call_command("send-reminders", "--on", "2026-11-21")  # 5 days before the 26th
    messages = OutboxMessage.objects.filter(template_name="submission_reminder")
    assert sorted(m.to for m in messages) == ["contact@rx1.nhs.uk", "submitter@rx1.nhs.uk"]
    message = messages.get(to="contact@rx1.nhs.uk")
    assert "October 2026" in message.subject
    assert "26 November 2026" in message.body
    call_command("send-reminders", "--on", "2026-11-22")
    assert OutboxMessage.objects.filter(template_name="submission_reminder").count() == 2
    assert ReminderSent.objects.get().organisation.code == "RX1"


def test_no_reminders_are_sent_too_early_or_after_the_cut_off(contact, settings):
    from portal.submissions import desk

    settings.SUBMISSIONS_REMINDER_DAYS = 3
    assert desk.send_reminders(on=date(2026, 11, 22)) == []
    assert desk.send_reminders(on=date(2026, 11, 27)) == []
    assert [code for code, _, _ in desk.send_reminders(on=date(2026, 11, 23))] == ["RX1"]
