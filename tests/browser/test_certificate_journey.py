"""Issue 4: the whole Data User Certificate happy path in Chromium.

An anonymous person at the trust applies online → the registered Caldicott Guardian
authorises from the link in their email → the service desk (password + TOTP) approves it in
the queue → the invited submitter activates with TOTP and signs in.

Each person uses their own browser (a fresh context); every link is taken from the email
the portal stored in its outbox, as the person would click it, and email delivery runs as a
task (the immediate backend stands in for the worker).
"""

import re

import pyotp
import pytest
from playwright.sync_api import expect

from portal.accounts.models import Membership, User
from portal.accounts.roles import Role
from portal.audit.models import AuditEntry
from portal.certificates.models import Application, State
from portal.certificates.rules import GENERIC_EMAIL_ERROR
from portal.notify.models import MessageStatus, OutboxMessage
from tests.accounts.factories import PASSWORD as DESK_PASSWORD
from tests.accounts.factories import UserFactory, grant, with_totp
from tests.certificates.factories import GuardianFactory
from tests.organisations.factories import TrustFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SUBMITTER_PASSWORD = "a-long-and-unusual-passphrase-42"  # noqa: S105
TRUST = "LEEDS TEACHING HOSPITALS NHS TRUST"
GUARDIAN_EMAIL = "jane.smith@nhs.net"
APPLICANT_EMAIL = "sam.applicant@example.nhs.uk"
PRIMARY = {
    "name": "Priya Contact",
    "job_title": "Imaging services manager",
    "email": "priya.contact@example.nhs.uk",
    "telephone": "0113 496 0200",
}
SUBMITTER = {
    "name": "Nia Submitter",
    "job_title": "PACS manager",
    "email": "nia.submitter@example.nhs.uk",
    "telephone": "07700 900 982",
}


def _only_email(to: str, template: str) -> OutboxMessage:
    messages = list(OutboxMessage.objects.filter(to=to, template_name=template))
    assert len(messages) == 1, [str(m) for m in OutboxMessage.objects.all()]
    return messages[0]


def _link(message: OutboxMessage, path: str) -> str:
    match = re.search(rf"(http://\S+/{path}/\S+)", message.body)
    assert match, message.body
    return match.group(1)


def _fill_person(page, details: dict, *, submitter: bool):
    page.get_by_label("Full name").fill(details["name"])
    page.get_by_label("Job title").fill(details["job_title"])
    page.get_by_label("Work email address").fill(details["email"])
    page.get_by_label("Telephone number").fill(details["telephone"])
    # NHS.UK checkboxes are styled labels over the input: a person clicks the label.
    if page.get_by_label("Give this person submitter access").is_checked() != submitter:
        page.locator("label", has_text="Give this person submitter access").click()
    assert page.get_by_label("Give this person submitter access").is_checked() == submitter


def _assert_clean(page):
    assert page.csp_violations == []
    assert page.external_requests == []


def _apply_online(page) -> str:
    """The applicant's journey through every question page. Returns the reference."""
    page.goto("/")
    page.get_by_role("link", name="Apply for access for your organisation's staff").click()
    expect(page.locator("h1")).to_have_text("Apply for access to submit DID data")
    page.get_by_role("button", name="Start now").click()

    expect(page.locator("h1")).to_have_text("Which organisation are you applying for?")
    page.get_by_label("What is your organisation's ODS code?").fill("rr8")
    page.get_by_label("Your email address").fill(APPLICANT_EMAIL)
    page.get_by_role("button", name="Continue").click()

    expect(page.locator("h1")).to_have_text("Who is your organisation's primary contact?")
    assert f"{TRUST} (RR8)" in page.locator(".nhsuk-caption-l").inner_text()
    _fill_person(page, PRIMARY, submitter=False)
    page.get_by_role("button", name="Continue").click()

    expect(page.locator("h1")).to_have_text("Does anyone else need access?")
    page.locator("label", has_text="Yes").click()
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("h1")).to_have_text("Who else needs access?")
    # The deliberate mistake: a team mailbox instead of the person's own address.
    _fill_person(page, {**SUBMITTER, "email": "radiology@example.nhs.uk"}, submitter=True)
    page.get_by_role("button", name="Add this person").click()
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_be_visible()
    assert page.title().startswith("Error: ")
    assert GENERIC_EMAIL_ERROR in summary.inner_text()
    # The summary links to the field that needs fixing, and what was typed is kept.
    summary.get_by_role("link", name=GENERIC_EMAIL_ERROR).click()
    email_field = page.get_by_label("Work email address")
    assert email_field.evaluate("el => el === document.activeElement")
    assert page.get_by_label("Full name").input_value() == SUBMITTER["name"]
    email_field.fill(SUBMITTER["email"])
    page.get_by_role("button", name="Add this person").click()
    expect(page.locator(".nhsuk-error-summary")).to_have_count(0)
    expect(page.locator("h1")).to_have_text("You have added 1 person")
    added = page.locator("main .nhsuk-summary-list")
    assert SUBMITTER["email"] in added.inner_text()
    page.locator("label", has_text="No").click()
    page.get_by_role("button", name="Continue").click()

    expect(page.locator("h1")).to_have_text("Who is your Caldicott Guardian?")
    # Typed as people do: case and spacing differ from the register.
    page.get_by_label("Caldicott Guardian's full name").fill("dr  jane smith")
    page.get_by_label("Caldicott Guardian's registered email address").fill("Jane.Smith@NHS.net")
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    # The register matched: no error summary on the page the form led to.
    expect(page.locator(".nhsuk-error-summary")).to_have_count(0)

    expect(page.locator("h1")).to_have_text("Check your answers before sending your application")
    answers = page.locator("main").inner_text()
    for expected in (
        f"{TRUST} (RR8)",
        f"{PRIMARY['name']} – primary contact",
        PRIMARY["email"],
        SUBMITTER["name"],
        SUBMITTER["email"],
        "Dr Jane Smith",  # the register's spelling, which the guardian will sign
        GUARDIAN_EMAIL,
    ):
        assert expected in answers
    assert "radiology@example.nhs.uk" not in answers
    page.get_by_role("button", name="Send application").click()

    expect(page.locator("h1")).to_have_text("Application sent")
    reference = page.locator(".nhsuk-panel__body strong").inner_text()
    assert reference
    # How and when they will hear.
    assert f"We will email you at {APPLICANT_EMAIL}" in page.locator("main").inner_text()
    _assert_clean(page)
    return reference


def _applicant_checks_progress(page, reference: str, template: str, status: str):
    """The applicant opens the link in their latest email and looks the application up."""
    message = OutboxMessage.objects.filter(to=APPLICANT_EMAIL).order_by("-id").first()
    assert message.template_name == template
    assert reference in message.subject
    page.goto(_link(message, "apply"))
    expect(page.locator("h1")).to_have_text("Check the progress of an application")
    page.get_by_label("Application reference").fill(reference)
    page.get_by_label("Your email address").fill(APPLICANT_EMAIL)
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("h1")).to_have_text(f"Application {reference}")
    expect(page.locator("main .nhsuk-tag")).to_have_text(status)
    _assert_clean(page)


def _guardian_authorises(page, reference: str):
    # The email goes to the address on the register, whatever was typed on the form.
    message = _only_email(GUARDIAN_EMAIL, "certificate-guardian-review")
    assert reference in message.body
    page.goto(_link(message, "guardian"))
    expect(page.locator("h1")).to_have_text(f"Review the Data User Certificate for {TRUST}")
    assert SUBMITTER["email"] in page.locator("main").inner_text()
    page.get_by_label("Type your full name to sign").fill("Dr Jane Smith")
    page.get_by_role("button", name="Authorise these people").click()
    expect(page.locator("h1")).to_have_text("Certificate authorised")
    _assert_clean(page)


def _sign_in(page, email: str, password: str, secret: str):
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("h1")).to_have_text("Enter your security code")
    page.get_by_label("Security code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("h1")).to_have_text("Your account")


def _desk_approves(page, desk_user, secret: str, reference: str):
    _sign_in(page, desk_user.email, DESK_PASSWORD, secret)
    page.get_by_role("link", name="Data User Certificates").click()
    expect(page.locator("h1")).to_have_text("Data User Certificates")
    row = page.locator("tr", has_text=reference)
    assert f"{TRUST} (RR8)" in row.inner_text()
    row.get_by_role("link", name=reference).click()
    expect(page.locator("h1")).to_have_text(f"{reference}: Waiting for the service desk")
    signature = page.locator("#signature").inner_text()
    assert "Dr Jane Smith" in signature
    assert "Matches the application" in signature
    page.get_by_role("button", name="Approve and send invitations").click()
    expect(page.locator("h1")).to_have_text(f"{reference}: Approved")
    assert f"{reference} approved." in page.locator("main").inner_text()
    _assert_clean(page)


def _submitter_activates_and_signs_in(page):
    message = _only_email(SUBMITTER["email"], "invitation")
    page.goto(_link(message, "activate"))
    expect(page.locator("h1")).to_have_text("Create a password")
    page.get_by_label("Create a password").fill(SUBMITTER_PASSWORD)
    page.get_by_label("Enter the password again").fill(SUBMITTER_PASSWORD)
    page.get_by_role("button", name="Continue").click()

    expect(page.locator("h1")).to_have_text("Set up your authenticator app")
    page.get_by_text("I cannot scan the QR code").click()
    secret = page.locator("#totp-secret").get_attribute("data-secret")
    page.get_by_label("Security code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Finish setting up").click()
    expect(page.locator("h1")).to_have_text("Sign in")
    assert "Your account is ready" in page.content()

    _sign_in(page, SUBMITTER["email"], SUBMITTER_PASSWORD, secret)
    card = page.locator(".nhsuk-card", has_text=f"{TRUST} (RR8)")
    expect(card).to_be_visible()
    assert "Your roles: Submitter" in card.inner_text()
    _assert_clean(page)


def test_apply_authorise_approve_activate_and_sign_in(
    person_browser, live_server, settings, immediate_tasks
):
    settings.PORTAL_BASE_URL = live_server.url
    trust = TrustFactory(code="RR8", name=TRUST)
    GuardianFactory(organisation=trust, name="Dr Jane Smith", email=GUARDIAN_EMAIL)
    desk_secret = pyotp.random_base32()
    desk_user = with_totp(
        UserFactory(email="desk.agent@example.nhs.uk", full_name="Desk Agent"), desk_secret
    )
    grant(desk_user, Role.SERVICE_DESK)

    reference = _apply_online(person_browser())
    application = Application.objects.get()  # the one the applicant just sent
    assert application.reference == reference
    assert application.state == State.AWAITING_GUARDIAN

    _guardian_authorises(person_browser(), reference)
    application.refresh_from_db()
    assert application.state == State.AWAITING_DESK

    _applicant_checks_progress(
        person_browser(),
        reference,
        "certificate-applicant-authorised",
        "Waiting for the service desk",
    )

    _desk_approves(person_browser(), desk_user, desk_secret, reference)
    application.refresh_from_db()
    assert application.state == State.APPROVED
    _applicant_checks_progress(
        person_browser(), reference, "certificate-applicant-approved", "Approved"
    )
    assert list(
        OutboxMessage.objects.filter(to=APPLICANT_EMAIL)
        .order_by("id")
        .values_list("template_name", flat=True)
    ) == [
        "certificate-applicant-sent",
        "certificate-applicant-authorised",
        "certificate-applicant-approved",
    ]

    # The guardian acted through the link alone: no account, no role (ADR 046).
    assert not User.objects.filter(email=GUARDIAN_EMAIL).exists()
    assert not Membership.objects.filter(role=Role.CALDICOTT_GUARDIAN).exists()

    _submitter_activates_and_signs_in(person_browser())

    # Every email was delivered by the task, and only to the people the journey names.
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {MessageStatus.SENT}
    assert set(OutboxMessage.objects.values_list("to", flat=True)) == {
        APPLICANT_EMAIL,
        GUARDIAN_EMAIL,
        PRIMARY["email"],
        SUBMITTER["email"],
    }
    assert not OutboxMessage.objects.filter(to="radiology@example.nhs.uk").exists()
    # Each step of the certificate is in the audit trail.
    actions = set(AuditEntry.objects.filter(target=reference).values_list("action", flat=True))
    assert {
        "certificates.application_awaiting_guardian",
        "certificates.application_awaiting_desk",
        "certificates.application_approved",
    } <= actions
    assert AuditEntry.objects.filter(action="accounts.sign_in", target=SUBMITTER["email"]).exists()


def test_a_guardians_decline_is_told_to_the_applicant_with_the_reason(
    person_browser, live_server, settings, immediate_tasks
):
    settings.PORTAL_BASE_URL = live_server.url
    trust = TrustFactory(code="RR8", name=TRUST)
    GuardianFactory(organisation=trust, name="Dr Jane Smith", email=GUARDIAN_EMAIL)
    reference = _apply_online(person_browser())

    page = person_browser()
    page.goto(_link(_only_email(GUARDIAN_EMAIL, "certificate-guardian-review"), "guardian"))
    page.get_by_label("Why are you declining this application?").fill(
        "Nia Submitter has left the trust"
    )
    page.get_by_role("button", name="Decline the application").click()
    expect(page.locator("h1")).to_have_text("Application declined")

    message = _only_email(APPLICANT_EMAIL, "certificate-applicant-declined")
    assert "Nia Submitter has left the trust" in message.body
    _applicant_checks_progress(
        person_browser(),
        reference,
        "certificate-applicant-declined",
        "Declined by the Caldicott Guardian",
    )
