"""The pages a public service must have, open to anyone, linked from every page."""

import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db

PAGES = {
    "/accessibility/": "Accessibility statement for Submit Diagnostic Imaging Data",
    "/privacy/": "Privacy notice",
    "/cookies/": "Cookies",
    "/contact/": "Contact us",
}


@pytest.mark.parametrize(("path", "heading"), PAGES.items())
def test_each_page_is_public_and_linked_from_the_footer_of_every_page(client, path, heading):
    response = client.get(path)
    assert response.status_code == 200
    assert f"<h1>{heading}</h1>" in response.content.decode()
    assert f'href="{path}"' in client.get("/").content.decode()


def test_the_phase_banner_links_to_feedback_on_the_contact_page(client):
    html = client.get("/").content.decode()
    assert 'href="/contact/#feedback"' in html
    assert 'id="feedback"' in client.get("/contact/").content.decode()


@override_settings(SERVICE_DESK_EMAIL="desk@example.nhs.uk")
def test_the_contact_page_gives_the_service_desk_address_and_warns_against_patient_data(client):
    html = client.get("/contact/").content.decode()
    assert 'href="mailto:desk@example.nhs.uk"' in html
    assert "Never email an NHS number" in html


@override_settings(SUBMISSIONS_RAW_UPLOAD_RETENTION_DAYS=45)
def test_the_privacy_notice_states_how_long_raw_uploads_are_kept(client):
    html = client.get("/privacy/").content.decode()
    assert "are deleted 45 days after they have been checked" in html
    assert "Accepted records" in html


def test_the_accessibility_statement_has_the_sections_the_regulations_require(client):
    html = client.get("/accessibility/").content.decode()
    for section in (
        "How accessible this service is",
        "Feedback and contact information",
        "Enforcement procedure",
        "Compliance status",
        "Preparation of this accessibility statement",
    ):
        assert section in html


def test_the_cookies_page_names_the_cookies_the_portal_sets(client, settings):
    html = client.get("/cookies/").content.decode()
    assert f"<code>{settings.SESSION_COOKIE_NAME}</code>" in html
    assert f"<code>{settings.CSRF_COOKIE_NAME}</code>" in html
