"""Issue 15: the application's People page in Chromium, as NHS.UK "add another".

People are added one per page, changed and removed from the list, and changed row by row
from check your answers; a person half-typed is refused with the error summary and what was
typed is kept. axe-core and the 320 px reflow check run on every page (conftest.py).
"""

import re

import pytest
from playwright.sync_api import expect

from portal.certificates.models import Application
from tests.certificates.factories import GuardianFactory
from tests.organisations.factories import TrustFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PRIMARY = {
    "name": "Priya Contact",
    "job_title": "Imaging services manager",
    "email": "priya.contact@example.nhs.uk",
    "telephone": "0113 496 0200",
}
NIA = {
    "name": "Nia Submitter",
    "job_title": "PACS manager",
    "email": "nia.submitter@example.nhs.uk",
    "telephone": "07700 900 982",
}
OMAR = {
    "name": "Omar Radiographer",
    "job_title": "Radiographer",
    "email": "omar.r@example.nhs.uk",
    "telephone": "07700 900 983",
}


@pytest.fixture
def guardian():
    trust = TrustFactory(code="RR8", name="LEEDS TEACHING HOSPITALS NHS TRUST")
    return GuardianFactory(organisation=trust, name="Dr Jane Smith", email="jane.smith@nhs.net")


def _fill(page, details: dict):
    for label, key in (
        ("Full name", "name"),
        ("Job title", "job_title"),
        ("Work email address", "email"),
        ("Telephone number", "telephone"),
    ):
        if key in details:
            page.get_by_label(label).fill(details[key])


def _answer(page, choice: str):
    page.locator("label", has_text=re.compile(rf"^{choice}$")).click()
    page.get_by_role("button", name="Continue").click()


def test_people_are_added_changed_and_removed_and_nothing_half_typed_is_lost(page, guardian):
    page.goto("/apply/organisation")
    page.get_by_label("What is your organisation's ODS code?").fill("RR8")
    page.get_by_label("Your email address").fill("sam.applicant@example.nhs.uk")
    page.get_by_role("button", name="Continue").click()
    _fill(page, PRIMARY)
    page.get_by_role("button", name="Continue").click()

    # Continuing without an answer is an error, not a silent choice.
    expect(page.locator("h1")).to_have_text("Does anyone else need access?")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text(
        "Select yes if anyone else needs access"
    )
    _answer(page, "Yes")

    # Half-typed: the person is refused with the error summary, and what was typed stays.
    expect(page.locator("h1")).to_have_text("Who else needs access?")
    _fill(page, {"name": NIA["name"], "job_title": NIA["job_title"]})
    page.get_by_role("button", name="Add this person").click()
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_contain_text("Enter the user's work email address")
    expect(summary).to_contain_text("Enter the user's telephone number")
    assert page.get_by_label("Full name").input_value() == NIA["name"]
    # The field error is announced with the field.
    described = page.get_by_label("Work email address").get_attribute("aria-describedby")
    assert "id_email_error" in described.split()
    _fill(page, NIA)
    page.get_by_role("button", name="Add this person").click()

    expect(page.locator("h1")).to_have_text("You have added 1 person")
    _answer(page, "Yes")
    _fill(page, OMAR)
    page.get_by_role("button", name="Add this person").click()
    expect(page.locator("h1")).to_have_text("You have added 2 people")

    # Change one person from the list: the form holds their details, and they keep their place.
    page.get_by_role("link", name=f"Change {NIA['name']}").click()
    expect(page.locator("h1")).to_have_text(f"Change {NIA['name']}'s details")
    assert page.get_by_label("Work email address").input_value() == NIA["email"]
    page.get_by_label("Job title").fill("PACS lead")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator("h1")).to_have_text("You have added 2 people")
    people = page.locator("main .nhsuk-summary-list")
    expect(people).to_contain_text("PACS lead")
    keys = page.locator("main .nhsuk-summary-list__key").all_inner_texts()
    assert keys == [NIA["name"], OMAR["name"]]

    # Remove the other: a keyboard user reaches the button like the links beside it.
    remove = page.get_by_role("button", name=f"Remove {OMAR['name']}")
    remove.focus()
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("You have added 1 person")
    expect(people).not_to_contain_text(OMAR["email"])
    _answer(page, "No")

    expect(page.locator("h1")).to_have_text("Who is your Caldicott Guardian?")
    page.get_by_label("Caldicott Guardian's full name").fill("Dr Jane Smith")
    page.get_by_label("Caldicott Guardian's registered email address").fill("jane.smith@nhs.net")
    page.get_by_role("button", name="Continue").click()

    # Check your answers: each row's Change goes to its question and comes back.
    expect(page.locator("h1")).to_have_text("Check your answers before sending your application")
    page.get_by_role("link", name=f"Change telephone of {NIA['name']}").click()
    expect(page.locator("h1")).to_have_text(f"Change {NIA['name']}'s details")
    page.get_by_label("Telephone number").fill("07700 900 999")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator("h1")).to_have_text("Check your answers before sending your application")
    expect(page.locator("main")).to_contain_text("07700 900 999")

    page.get_by_role("link", name=f"Change job title of {PRIMARY['name']}").click()
    expect(page.locator("h1")).to_have_text("Who is your organisation's primary contact?")
    page.get_by_label("Job title").fill("Head of imaging")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("h1")).to_have_text("Check your answers before sending your application")

    page.get_by_role("link", name="Add or remove people").click()
    expect(page.locator("h1")).to_have_text("You have added 1 person")
    _answer(page, "Yes")
    _fill(page, OMAR)
    page.get_by_role("button", name="Add this person").click()
    _answer(page, "No")
    expect(page.locator("h1")).to_have_text("Check your answers before sending your application")
    page.get_by_role("button", name="Send application").click()
    expect(page.locator("h1")).to_have_text("Application sent")

    application = Application.objects.get()
    people = {p["email"]: p for p in application.people}
    assert people[PRIMARY["email"]]["job_title"] == "Head of imaging"
    assert people[NIA["email"]]["job_title"] == "PACS lead"
    assert people[NIA["email"]]["telephone"] == "07700 900 999"
    assert list(people) == [PRIMARY["email"], NIA["email"], OMAR["email"]]
