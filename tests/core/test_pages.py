import re

import pytest
from django.test import override_settings

from portal.core import health

pytestmark = pytest.mark.django_db


def test_the_home_page_explains_the_service_in_the_nhs_layout(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Submit Diagnostic Imaging Data" in html
    for landmark in (
        'class="nhsuk-header"',
        'class="nhsuk-footer"',
        "nhsuk-skip-link",
        "nhsuk-phase-banner",
        'id="maincontent"',
    ):
        assert landmark in html


def test_the_home_page_leads_to_the_application_and_the_contacts_request(client):
    html = client.get("/").content.decode()
    assert 'href="/apply/"' in html
    assert 'href="/contacts/"' in html


def test_pages_load_nothing_from_other_hosts(client):
    html = client.get("/").content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources
    external = [s for s in sources if re.match(r"^(https?:)?//", s)]
    assert external == []


def test_a_strict_content_security_policy_is_sent(client):
    policy = client.get("/")["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy


def test_the_stylesheet_refers_to_no_other_host(client):
    from django.contrib.staticfiles import finders

    css_path = finders.find("nhsuk/nhsuk-frontend.min.css")
    assert css_path, "run `make assets` to build the NHS.UK frontend"
    css = open(css_path, encoding="utf-8").read()
    assert "assets.nhs.uk" not in css
    assert not re.search(r"url\((['\"]?)(https?:)?//", css)


HEALTHY = {"database": "ok", "store": "ok", "workers": "ok", "queues": "ok"}


def test_health_is_ok_when_the_database_and_store_work(client, worker_heartbeats):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {**HEALTHY, "queue_depth": {"validation": 0, "email": 0}}


def test_health_names_the_store_when_it_cannot_be_written(client, tmp_path, worker_heartbeats):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with override_settings(DID_STORE=blocker / "store"):
        response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["database"] == "ok"
    assert body["store"].startswith("failed")


def test_health_names_the_database_when_it_fails(client, monkeypatch, worker_heartbeats):
    def broken():
        raise RuntimeError("database down")

    monkeypatch.setitem(health.CHECKS, "database", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["database"] == "failed: RuntimeError"
    assert body["store"] == "ok"


def test_the_home_page_links_to_the_statistics_and_the_certificate_application(client):
    html = client.get("/").content.decode()
    assert 'href="/statistics/"' in html
    assert 'href="/apply/"' in html
    assert 'href="/contacts/"' in html
    assert client.get("/statistics/").status_code == 200
    assert client.get("/apply/").status_code == 200
