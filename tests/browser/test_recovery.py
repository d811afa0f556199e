"""Recovery in Chromium: a forgotten password by emailed link, then sign-in (issue 15)."""

import re

import pyotp
import pytest
from playwright.sync_api import expect

from portal.notify.models import OutboxMessage
from tests.accounts.factories import TOTP_SECRET, UserFactory, with_totp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "a-fresh-and-unusual-passphrase-7"  # noqa: S105


def test_a_person_who_forgot_their_password_resets_it_and_signs_in(page, live_server, settings):
    settings.PORTAL_BASE_URL = live_server.url
    person = with_totp(UserFactory(email="sam.forgetful@example.nhs.uk"))

    page.goto("/sign-in")
    page.get_by_role("link", name="Forgotten your password?").click()
    expect(page.locator("h1")).to_have_text("Reset your password")
    page.get_by_role("button", name="Send the link").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Enter your email address")
    page.get_by_label("Email address").fill(person.email)
    page.get_by_role("button", name="Send the link").click()
    expect(page.locator("h1")).to_have_text("Check your email")

    body = OutboxMessage.objects.get(to=person.email, template_name="password-reset").body
    link = re.search(r"(http://\S+/reset-password/\S+)", body).group(1)
    page.goto(link)
    expect(page.locator("h1")).to_have_text("Choose a new password")
    page.get_by_label("Create a password").fill(NEW_PASSWORD)
    page.get_by_label("Enter the password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change my password").click()

    expect(page.locator("h1")).to_have_text("Sign in")
    assert "Your password has been changed" in page.content()
    page.get_by_label("Email address").fill(person.email)
    page.get_by_label("Password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("h1")).to_have_text("Enter your security code")
    page.get_by_label("Security code").fill(pyotp.TOTP(TOTP_SECRET).now())
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("h1")).to_have_text("Your account")
    assert page.csp_violations == []
    assert page.external_requests == []

    page.goto(link)
    expect(page.locator("h1")).to_have_text("This link has already been used")
