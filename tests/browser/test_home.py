import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_home_page_renders_with_nhs_styles_and_nothing_from_outside(page):
    page.goto("/")
    assert page.locator("h1").inner_text() == "Submit Diagnostic Imaging Data"
    header_colour = page.locator("header.nhsuk-header").evaluate(
        "el => getComputedStyle(el).backgroundColor"
    )
    assert header_colour == "rgb(0, 94, 184)"  # NHS blue: the stylesheet loaded
    assert "js-enabled" in page.locator("body").get_attribute("class")
    assert page.external_requests == []
    assert page.csp_violations == []


def test_the_skip_link_moves_focus_to_the_main_content(page):
    page.goto("/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent").strip() == "Skip to main content"
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#maincontent$"))


def test_an_anonymous_visitor_is_sent_to_sign_in(page):
    page.goto("/account/")
    expect(page).to_have_url(re.compile(r"/sign-in"))
    expect(page.locator("h1")).to_have_text("Sign in")
