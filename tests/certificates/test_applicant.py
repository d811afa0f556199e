"""The applicant: asked for an email address, told of every decision, and able to look the
application up with its reference and that address (and nobody else can)."""

import re

import pytest

from portal.certificates import emails, services
from portal.certificates.models import State
from portal.notify.models import OutboxMessage
from tests.certificates.factories import GuardianFactory, content, emails_to, link_in
from tests.organisations.factories import TrustFactory

pytestmark = pytest.mark.django_db

APPLICANT = "asker@example.nhs.uk"


@pytest.fixture
def guardian():
    trust = TrustFactory(code="RR8", name="LEEDS TEACHING HOSPITALS NHS TRUST")
    return GuardianFactory(organisation=trust, name="Dr Jane Smith", email="jane.smith@nhs.net")


@pytest.fixture
def desk(client, service_desk_user):
    client.force_login(service_desk_user)
    return client


def _submitted(guardian):
    application, _ = services.submit_online(content(guardian), applicant_email=APPLICANT)
    return application


def _guardian_acts(client, guardian, **data):
    token = link_in(emails_to(guardian.email)[-1])
    return client.post(f"/guardian/{token}", data)


def _templates_to_applicant():
    return [m.template_name for m in emails_to(APPLICANT)]


def test_the_first_page_asks_for_the_applicants_email_and_check_shows_it(client, guardian):
    page = client.get("/apply/organisation").content.decode()
    assert 'type="email" name="applicant_email"' in page
    response = client.post("/apply/organisation", {"ods_code": "RR8"})
    assert response.status_code == 200
    assert "Enter your email address" in response.content.decode()
    client.post("/apply/organisation", {"ods_code": "RR8", "applicant_email": APPLICANT})
    client.post(
        "/apply/primary-contact",
        {
            "name": "Pat Lee",
            "job_title": "PACS manager",
            "email": "pat.lee@nhs.net",
            "telephone": "0113 496 0001",
        },
    )
    client.post("/apply/guardian", {"name": guardian.name, "email": guardian.email})
    check = client.get("/apply/check").content.decode()
    assert APPLICANT in check
    assert client.post("/apply/check").url == "/apply/sent"
    sent = client.get("/apply/sent").content.decode()
    assert f"We will email you at {APPLICANT}" in sent
    assert "when the Caldicott Guardian decides" in sent
    assert 'href="/apply/progress"' in sent
    assert _templates_to_applicant() == [emails.APPLICANT_SENT]
    receipt = emails_to(APPLICANT)[0]
    assert "DUC-" in receipt.body and "/apply/progress" in receipt.body


def test_the_applicant_hears_when_the_guardian_signs_and_when_the_desk_approves(
    client, desk, guardian
):
    application = _submitted(guardian)
    _guardian_acts(client, guardian, action="authorise", typed_name=guardian.name)
    assert _templates_to_applicant()[-1] == emails.APPLICANT_AUTHORISED
    desk.post(f"/service-desk/certificates/{application.pk}/approve")
    application.refresh_from_db()
    assert application.state == State.APPROVED
    assert _templates_to_applicant() == [
        emails.APPLICANT_SENT,
        emails.APPLICANT_AUTHORISED,
        emails.APPLICANT_APPROVED,
    ]
    assert application.reference in emails_to(APPLICANT)[-1].subject


def test_the_applicant_hears_why_the_guardian_declined(client, guardian):
    _submitted(guardian)
    _guardian_acts(
        client, guardian, **{"action": "decline", "decline-reason": "Pat has left the trust"}
    )
    message = emails_to(APPLICANT)[-1]
    assert message.template_name == emails.APPLICANT_DECLINED
    assert "Their reason: Pat has left the trust" in message.body


def test_the_applicant_hears_why_the_desk_rejected(desk, guardian):
    application = _submitted(guardian)
    desk.post(
        f"/service-desk/certificates/{application.pk}/reject",
        {"reason": "The telephone numbers are not work numbers"},
    )
    message = emails_to(APPLICANT)[-1]
    assert message.template_name == emails.APPLICANT_REJECTED
    assert "The reason: The telephone numbers are not work numbers" in message.body


def test_reference_and_email_together_show_the_progress(client, guardian):
    application = _submitted(guardian)
    response = client.post(
        "/apply/progress", {"reference": application.reference.lower(), "email": APPLICANT.upper()}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert f"<h1>Application {application.reference}</h1>" in html
    assert "Waiting for the Caldicott Guardian" in html


@pytest.mark.parametrize("wrong", ["reference", "email", "both"])
def test_a_stranger_learns_nothing_from_the_lookup(client, guardian, wrong):
    application = _submitted(guardian)
    data = {
        "reference": "DUC-999999" if wrong in ("reference", "both") else application.reference,
        "email": "someone.else@example.nhs.uk" if wrong in ("email", "both") else APPLICANT,
    }
    html = client.post("/apply/progress", data).content.decode()
    assert "No application matches that reference and email address" in html
    for secret in (application.organisation.name, guardian.name, "Waiting for"):
        assert secret not in html


def test_a_paper_application_without_an_applicant_address_can_never_be_looked_up(guardian):
    application, _ = services.submit_online(content(guardian))
    assert services.find_for_applicant(application.reference, "") is None
    assert not OutboxMessage.objects.filter(to="").exists()


def test_every_applicant_email_links_to_pages_that_exist(client, desk, guardian):
    application = _submitted(guardian)
    _guardian_acts(client, guardian, action="authorise", typed_name=guardian.name)
    desk.post(f"/service-desk/certificates/{application.pk}/approve")
    client.logout()
    for message in emails_to(APPLICANT):
        for link in re.findall(r"https?://\S+", message.body):
            path = "/" + link.split("/", 3)[3]
            assert client.get(path).status_code == 200, (message.template_name, path)
