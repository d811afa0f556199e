"""An invited person activates their account in Chromium and signs in with password and TOTP."""

import re

import pyotp
import pytest
from playwright.sync_api import expect

from portal.accounts import services
from portal.accounts.roles import Role
from portal.notify.models import OutboxMessage
from tests.organisations.factories import TrustFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-and-unusual-passphrase-42"  # noqa: S105


def test_an_invited_person_activates_with_totp_and_signs_in(page, live_server, settings):
    settings.PORTAL_BASE_URL = live_server.url
    trust = TrustFactory(code="RR8", name="LEEDS TEACHING HOSPITALS NHS TRUST")
    person = services.upsert_person(
        email="nia.submitter@example.nhs.uk",
        full_name="Nia Submitter",
        job_title="PACS manager",
        telephone="0113 496 0100",
    )
    services.grant_role(person, Role.SUBMITTER, trust, actor="browser-test")
    services.send_invitation(person, organisation=trust, actor="browser-test")

    # The link comes from the email, as the person would click it.
    body = OutboxMessage.objects.get(to=person.email).body
    link = re.search(r"(http://\S+/activate/\S+)", body).group(1)
    page.goto(link)
    expect(page.locator("h1")).to_have_text("Create a password")
    assert "nia.submitter@example.nhs.uk" in page.content()

    page.get_by_label("Create a password").fill("short")
    page.get_by_label("Enter the password again").fill("short")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".nhsuk-error-summary")).to_be_visible()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("This password is too short")

    page.get_by_label("Create a password").fill(PASSWORD)
    page.get_by_label("Enter the password again").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("h1")).to_have_text("Set up your authenticator app")
    expect(page.locator(".portal-qr svg")).to_be_visible()

    page.get_by_text("I cannot scan the QR code").click()
    secret = page.locator("#totp-secret").get_attribute("data-secret")
    shown = page.locator("#totp-secret").inner_text().replace(" ", "")
    assert shown == secret
    page.get_by_label("Security code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Finish setting up").click()

    expect(page.locator("h1")).to_have_text("Sign in")
    assert "Your account is ready" in page.content()
    page.get_by_label("Email address").fill("nia.submitter@example.nhs.uk")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("h1")).to_have_text("Enter your security code")
    page.get_by_label("Security code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Continue").click()

    expect(page.locator("h1")).to_have_text("Your account")
    assert "LEEDS TEACHING HOSPITALS NHS TRUST (RR8)" in page.content()
    assert "Your roles: Submitter" in page.content()
    assert page.csp_violations == []
    assert page.external_requests == []

    # The link cannot be used again.
    page.goto(link)
    expect(page.locator("h1")).to_have_text("This link has already been used")
