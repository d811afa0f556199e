"""The footer's pages and the error pages, reached as a visitor would (axe checks each)."""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_visitor_reaches_every_footer_page_and_the_feedback_link(page):
    page.goto("/")
    for name, heading in (
        ("Contact us", "Contact us"),
        ("Accessibility statement", "Accessibility statement for Submit Diagnostic Imaging Data"),
        ("Privacy notice", "Privacy notice"),
        ("Cookies", "Cookies"),
    ):
        page.get_by_role("contentinfo").get_by_role("link", name=name).click()
        expect(page.locator("h1")).to_have_text(heading)
    page.get_by_role("region", name="Service status").get_by_role("link", name="feedback").click()
    expect(page.locator("#feedback")).to_be_visible()


def test_a_missing_page_offers_a_way_forward(page):
    response = page.goto("/no-such-page/")
    assert response.status == 404
    expect(page.locator("h1")).to_have_text("Page not found")
    page.get_by_role("link", name="contact the national service desk").click()
    expect(page.locator("h1")).to_have_text("Contact us")


def test_the_file_input_shows_the_design_systems_focus_ring(page):
    """The design system's yellow outline, not the browser's thin ring (WCAG 2.4.7)."""
    page.goto("/contact/")
    page.set_content(
        '<link rel="stylesheet" href="/static/nhsuk/nhsuk-frontend.min.css">'
        '<input type="file" class="nhsuk-file-upload__input" id="f">'
    )
    page.wait_for_load_state("load")
    page.locator("#f").focus()
    outline = page.locator("#f").evaluate("el => getComputedStyle(el).outlineColor")
    assert outline == "rgb(255, 235, 59)"
