""" "Who are our contacts?" in Chromium (issue 4).

Someone who is not the registered Caldicott Guardian asks and learns nothing: the same
polite page whatever the code, no contact's name or address anywhere, no email to an address
they chose. The registered guardian gets the list through the single-use link emailed to the
address on the register. Both requests and the disclosure are in the audit trail.
"""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from portal.accounts import services
from portal.accounts.roles import Role
from portal.audit.models import AuditEntry
from portal.certificates.models import CaldicottGuardian
from portal.notify.models import MessageStatus, OutboxMessage
from tests.certificates.factories import GuardianFactory
from tests.organisations.factories import TrustFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TRUST = "LEEDS TEACHING HOSPITALS NHS TRUST"
GUARDIAN = {"name": "Dr Jane Smith", "email": "jane.smith@nhs.net"}
FORMER_GUARDIAN = {"name": "Dr Old Hand", "email": "old.hand@nhs.net"}
ASKER_EMAIL = "sam.curious@example.com"
PRIMARY = {
    "full_name": "Pat Lee",
    "job_title": "Imaging services manager",
    "email": "pat.lee@example.nhs.uk",
    "telephone": "0113 496 0200",
}
SUBMITTERS = [
    {
        "full_name": "Ann Ray",
        "job_title": "PACS manager",
        "email": "ann.ray@example.nhs.uk",
        "telephone": "0113 496 0300",
    },
    {
        "full_name": "Ben Cole",
        "job_title": "RIS analyst",
        "email": "ben.cole@example.nhs.uk",
        "telephone": "07700 900 123",
    },
]
# Everything that identifies a contact, which nobody but the guardian may see.
SECRETS = [value for p in (PRIMARY, *SUBMITTERS) for value in (p["full_name"], p["email"])]


@pytest.fixture
def trust_with_contacts(settings, live_server, immediate_tasks):
    settings.PORTAL_BASE_URL = live_server.url
    trust = TrustFactory(code="RR8", name=TRUST)
    GuardianFactory(organisation=trust, **GUARDIAN)
    GuardianFactory(
        organisation=trust,
        registered_from=datetime.date(2015, 4, 1),
        registered_to=datetime.date(2020, 3, 31),
        **FORMER_GUARDIAN,
    )
    primary = services.upsert_person(**PRIMARY)
    services.grant_role(primary, Role.PRIMARY_CONTACT, trust, actor="browser-test")
    for details in SUBMITTERS:
        person = services.upsert_person(**details)
        services.grant_role(person, Role.SUBMITTER, trust, actor="browser-test")
    return trust


def _ask(page, code: str, *, with_an_address: str | None = None) -> str:
    """Ask for the contacts of `code`; returns the text of the page the asker sees."""
    page.goto("/")
    page.get_by_role("link", name="Find out who your organisation's DID contacts are").click()
    expect(page.locator("h1")).to_have_text("Who are our DID contacts?")
    page.get_by_label("Your organisation's ODS code").fill(code)
    if with_an_address:
        # The form has no address field; someone may still post one of their own.
        page.locator("form[method=post]").evaluate(
            """(form, address) => {
                const input = document.createElement("input");
                input.type = "hidden";
                input.name = "email";
                input.value = address;
                form.appendChild(input);
            }""",
            with_an_address,
        )
        expect(page.locator("input[name=email]")).to_have_value(with_an_address)
    page.get_by_role("button", name="Send the request").click()
    expect(page.locator("h1")).to_have_text("Request received")
    return page.locator("main").inner_text()


def _assert_reveals_nothing(html: str):
    for secret in (*SECRETS, GUARDIAN["name"], GUARDIAN["email"], FORMER_GUARDIAN["email"]):
        assert secret.lower() not in html.lower(), secret


def test_someone_who_is_not_the_guardian_is_refused_politely_and_learns_nothing(
    page, trust_with_contacts
):
    said_for_rr8 = _ask(page, "rr8", with_an_address=ASKER_EMAIL)
    _assert_reveals_nothing(page.content())
    assert "we do not say whether an email was sent or to whom" in said_for_rr8
    # The same words for a code that does not exist: the page is no oracle.
    said_for_unknown = _ask(page, "ZZ999")
    _assert_reveals_nothing(page.content())
    assert said_for_unknown == said_for_rr8
    assert page.csp_violations == []
    assert page.external_requests == []

    # Only the registered guardian was emailed, and only with a link, never the list.
    assert not OutboxMessage.objects.filter(to=ASKER_EMAIL).exists()
    messages = list(OutboxMessage.objects.all())
    assert [m.to for m in messages] == [GUARDIAN["email"]]
    assert messages[0].status == MessageStatus.SENT
    for secret in SECRETS:
        assert secret not in messages[0].body

    requests = {
        e.details["ods_code"]: e
        for e in AuditEntry.objects.filter(action="certificates.contacts_requested")
    }
    assert set(requests) == {"RR8", "ZZ999"}
    assert requests["RR8"].details["organisation_found"] is True
    assert requests["RR8"].details["guardians_emailed"] == [GUARDIAN["email"]]
    assert requests["ZZ999"].details["organisation_found"] is False
    assert requests["ZZ999"].details["guardians_emailed"] == []
    assert not AuditEntry.objects.filter(action="certificates.contacts_disclosed").exists()


def test_the_registered_guardian_sees_the_contacts_through_the_emailed_link(
    page, trust_with_contacts
):
    _ask(page, "RR8")
    message = OutboxMessage.objects.get(to=GUARDIAN["email"])
    link = re.search(r"(http://\S+/contacts/\S+)", message.body).group(1)

    # The guardian opens the link in their own browser: a button first, no list yet.
    page.context.clear_cookies()
    page.goto(link)
    expect(page.locator("h1")).to_have_text(f"DID contacts for {TRUST}")
    _assert_reveals_nothing(page.content().replace(GUARDIAN["name"], ""))
    page.get_by_role("button", name="Show the contacts").click()

    expect(page.locator("h1")).to_have_text(f"DID contacts for {TRUST} (RR8)")
    primary = page.locator("#primary-contact").inner_text()
    assert PRIMARY["full_name"] in primary and PRIMARY["email"] in primary
    submitters = page.locator("#submitters").inner_text()
    for person in SUBMITTERS:
        assert person["full_name"] in submitters and person["email"] in submitters
    assert "Submitters (2 of 6)" in page.locator("main").inner_text()
    assert page.csp_violations == []
    assert page.external_requests == []

    disclosed = AuditEntry.objects.get(action="certificates.contacts_disclosed")
    assert disclosed.details["guardian_email"] == GUARDIAN["email"]
    assert disclosed.details["submitters"] == 2
    assert disclosed.target == "ods:RR8"
    assert AuditEntry.objects.filter(action="certificates.contacts_requested").count() == 1

    # The link works once.
    page.goto(link)
    expect(page.locator("h1")).to_have_text("This link does not work")
    assert "already been used" in page.locator("main").inner_text()
    _assert_reveals_nothing(page.content())


def test_a_guardian_who_left_the_register_is_refused_by_their_old_link(page, trust_with_contacts):
    _ask(page, "RR8")
    message = OutboxMessage.objects.get(to=GUARDIAN["email"])
    link = re.search(r"(http://\S+/contacts/\S+)", message.body).group(1)
    # Their registration ends before they open the email.
    CaldicottGuardian.objects.filter(email=GUARDIAN["email"]).update(
        registered_to=timezone.localdate() - datetime.timedelta(days=1)
    )

    page.context.clear_cookies()
    page.goto(link)
    expect(page.locator("h1")).to_have_text("This link does not work")
    assert "no longer registered" in page.locator("main").inner_text()
    _assert_reveals_nothing(page.content())
    assert page.csp_violations == []
    assert page.external_requests == []

    refused = AuditEntry.objects.get(action="certificates.contacts_refused")
    assert refused.details["reason"] == "not_registered"
    assert refused.details["guardian_email"] == GUARDIAN["email"]
    assert not AuditEntry.objects.filter(action="certificates.contacts_disclosed").exists()
