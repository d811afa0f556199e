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
    assert [r.code for r in desk.send_reminders(on=date(2026, 11, 23))] == ["RX1"]


def test_the_reminder_link_resolves_for_each_person_it_is_sent_to(
    client, contact, submitter, immediate_tasks, settings
):
    from urllib.parse import urlparse

    call_command("send-reminders", "--on", "2026-11-21")
    for message in OutboxMessage.objects.filter(template_name="submission_reminder"):
        [link] = [w for w in message.body.split() if w.startswith(settings.PORTAL_BASE_URL)]
        person = contact if message.to == contact.email else submitter
        client.force_login(person)
        response = client.get(urlparse(link).path, follow=True)
        assert response.status_code == 200, (message.to, link)
    client.force_login(contact)
    page = client.get("/submissions/new/", follow=True).content.decode()
    assert "ask your organisation's primary contact" not in page.lower()
    assert "You are the primary contact for RX1" in page
    assert submitter.full_name in page  # who submits for it
    assert 'data-contact-organisation="RX1"' in page


def test_the_desk_sends_a_reminder_from_the_chasing_list_and_each_is_recorded(
    client, service_desk_user, contact, submitter, immediate_tasks
):
    from portal.audit.models import AuditEntry

    client.force_login(service_desk_user)
    url = "/service-desk/non-submitters/"
    for _ in range(2):
        response = client.post(url + "remind", {"period": "2026-10", "organisation": "RX1"})
        assert response.url == url + "?period=2026-10"
    rounds = ReminderSent.objects.filter(organisation__code="RX1", period="2026-10")
    assert rounds.count() == 2
    assert {r.sent_by for r in rounds} == {service_desk_user}
    assert sorted(rounds.first().recipient_emails) == [contact.email, submitter.email]
    assert OutboxMessage.objects.filter(template_name="submission_reminder").count() == 4
    assert AuditEntry.objects.filter(action="submissions.reminder_sent").count() == 2
    page = client.get(url, {"period": "2026-10"}).content.decode()
    shown = page[page.index('data-organisation="RX1"') :]
    assert shown.count(f"by {service_desk_user.full_name or service_desk_user.email}") == 2
    # The daily command still sends its own round once.
    call_command("send-reminders", "--on", "2026-11-21")
    call_command("send-reminders", "--on", "2026-11-22")
    rounds = ReminderSent.objects.filter(organisation__code="RX1", period="2026-10")
    assert rounds.count() == 3 and rounds.filter(sent_by__isnull=True).count() == 1


def test_an_organisation_without_contacts_is_shown_and_said_not_reminded(
    client, service_desk_user, trust, immediate_tasks
):
    from io import StringIO

    # Its only submitter has left: the organisation is still expected, with nobody to tell.
    leaver = UserFactory(email="left@rx1.nhs.uk")
    grant(leaver, Role.SUBMITTER, trust)
    leaver.is_active = False
    leaver.save()
    out = StringIO()
    call_command("send-reminders", "--on", "2026-11-21", stdout=out)
    assert "Not reminded: RX1 has no contacts" in out.getvalue()
    client.force_login(service_desk_user)
    page = client.get("/service-desk/non-submitters/", {"period": "2026-10"}).content.decode()
    assert "No contacts" in page and "Example Hospitals NHS Trust (RX1)" in page
    response = client.post(
        "/service-desk/non-submitters/remind", {"period": "2026-10"}, follow=True
    )
    assert "Not reminded, no contacts: RX1" in response.content.decode()
    assert not ReminderSent.objects.exists()


def test_only_the_service_desk_sends_reminders(client, submitter, contact):
    client.force_login(submitter)
    response = client.post("/service-desk/non-submitters/remind", {"period": "2026-10"})
    assert response.status_code == 404
    assert not ReminderSent.objects.exists()


def test_the_desk_home_links_to_the_overview_and_chasing_list(client, service_desk_user):
    client.force_login(service_desk_user)
    page = client.get("/account/").content.decode()
    assert 'href="/service-desk/submissions/"' in page
    assert 'href="/service-desk/non-submitters/"' in page
