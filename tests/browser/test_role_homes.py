"""Each signed-in role finds its home on "Your account" and every link there leads somewhere
it may go (axe checks each page reached)."""

import pyotp
import pytest
from playwright.sync_api import expect

from portal.accounts.roles import Role
from tests.accounts.factories import PASSWORD, UserFactory, grant, with_totp
from tests.organisations.factories import TrustFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TRUST = "LEEDS TEACHING HOSPITALS NHS TRUST"


def _signed_in(page, role, organisation=None):
    secret = pyotp.random_base32()
    user = with_totp(UserFactory(full_name=f"A {role.label}"), secret)
    grant(user, role, organisation)
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Security code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("h1")).to_have_text("Your account")
    return user


def test_the_primary_contact_reaches_the_organisations_people(page):
    trust = TrustFactory(code="RR8", name=TRUST)
    _signed_in(page, Role.PRIMARY_CONTACT, trust)
    page.get_by_role("link", name="People with access for RR8").click()
    expect(page.locator("h1")).to_have_text("People with access")
    expect(page.locator("#organisation-status")).to_contain_text("0 of 6")
    expect(page.get_by_role("link", name="Remove access")).to_have_count(0)


def test_the_service_desk_reaches_each_of_its_pages(page):
    _signed_in(page, Role.SERVICE_DESK)
    for link, heading in (
        ("Data User Certificates", "Data User Certificates"),
        ("Caldicott Guardian register", "Caldicott Guardian register"),
        ("Invitations not yet used", "Invitations not yet used"),
    ):
        page.get_by_role("link", name=link).click()
        expect(page.locator("h1")).to_have_text(heading)
        page.goto("/account/")
    for link in (
        "Submissions by organisation",
        "Organisations to chase and reminders",
        "Data quality by provider",
    ):
        response_page = page.get_by_role("link", name=link)
        with page.expect_navigation() as navigation:
            response_page.click()
        assert navigation.value.status == 200
        page.goto("/account/")


def test_the_caldicott_guardian_reaches_their_home_and_its_links(page):
    from portal.certificates import services
    from tests.certificates.factories import GuardianFactory, content

    trust = TrustFactory(code="RR8", name=TRUST)
    user = _signed_in(page, Role.CALDICOTT_GUARDIAN, trust)
    entry = GuardianFactory(organisation=trust, name="Dr Jane Smith", email=user.email)
    waiting, _ = services.submit_online(content(entry))
    grant(UserFactory(full_name="Pat Contact"), Role.PRIMARY_CONTACT, trust)
    page.reload()
    page.get_by_role("link", name="Your Caldicott Guardian home for RR8").click()
    expect(page.locator("h1")).to_have_text("Caldicott Guardian")
    expect(page.locator("#waiting")).to_contain_text(waiting.reference)
    expect(page.locator("#primary-contact")).to_contain_text("Pat Contact")
    page.get_by_role("link", name="people with access for RR8").click()
    expect(page.locator("h1")).to_have_text("People with access")
    page.go_back()
    page.get_by_role("link", name="who are our contacts?").click()
    expect(page.locator("h1")).to_be_visible()
