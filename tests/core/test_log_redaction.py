"""Link tokens never reach the logs: Django logs the path of every 4xx response."""

import datetime
import io
import logging

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from portal.accounts import services
from portal.accounts.roles import Role
from portal.certificates import services as certificates
from portal.core.log_filters import RedactTokenPaths, redact_token_paths
from tests.certificates.factories import GuardianFactory, content, emails_to, link_in

TOKEN = "Zq3vYB0k1dX8R2m9TtPwQeLsNcUjHgFaKb7yE4o6iV5"  # shaped like a real token


@pytest.fixture
def log_lines():
    """What the configured console handler writes, read back as text."""
    handler = next(
        h
        for h in logging.getLogger().handlers
        if any(isinstance(f, RedactTokenPaths) for f in h.filters)
    )
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield stream.getvalue
    handler.setStream(previous)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (f"/activate/{TOKEN}", "/activate/[redacted]"),
        (f"/activate/{TOKEN}/authenticator", "/activate/[redacted]/authenticator"),
        (f"/guardian/{TOKEN}", "/guardian/[redacted]"),
        (f"/contacts/{TOKEN}", "/contacts/[redacted]"),
        (
            f'"GET /contacts/{TOKEN}?x=1 HTTP/1.1" 404',
            '"GET /contacts/[redacted]?x=1 HTTP/1.1" 404',
        ),
        ("/contacts/sent", "/contacts/sent"),
        ("/contacts/", "/contacts/"),
        ("/apply/guardian", "/apply/guardian"),
    ],
)
def test_token_segments_are_redacted_and_other_paths_kept(path, expected):
    assert redact_token_paths(path) == expected


@pytest.mark.django_db
def test_an_unknown_or_expired_invitation_link_is_logged_without_its_token(
    client, log_lines, organisation, service_desk_user
):
    assert client.get(f"/activate/{TOKEN}").status_code == 404
    user = services.upsert_person(
        email="nia.submitter@example.nhs.uk",
        full_name="Nia Submitter",
        job_title="PACS manager",
        telephone="0113 496 0100",
    )
    services.grant_role(user, Role.SUBMITTER, organisation, actor=service_desk_user)
    token = services.send_invitation(
        user, organisation=organisation, actor=service_desk_user
    ).raw_token
    with time_machine.travel(timezone.now() + datetime.timedelta(days=15)):
        assert client.get(f"/activate/{token}").status_code == 410

    logged = log_lines()
    assert "Not Found: /activate/[redacted]" in logged
    assert "Gone: /activate/[redacted]" in logged
    assert TOKEN not in logged
    assert token not in logged


@pytest.mark.django_db
def test_guardian_links_are_logged_without_their_token(client, log_lines, organisation):
    guardian = GuardianFactory(organisation=organisation)
    certificates.submit_online(content(guardian))
    token = link_in(emails_to(guardian.email)[-1])
    with time_machine.travel(timezone.now() + datetime.timedelta(days=8)):
        assert client.get(f"/guardian/{token}").status_code == 410
    # A post refused by the CSRF check is logged by django.security.csrf with its path.
    refused = Client(enforce_csrf_checks=True).post(
        f"/guardian/{token}", {"action": "authorise"}, HTTP_ORIGIN="null"
    )
    assert refused.status_code == 403

    logged = log_lines()
    assert "Gone: /guardian/[redacted]" in logged
    assert "Forbidden (" in logged and "): /guardian/[redacted]" in logged
    assert token not in logged


def test_runserver_request_lines_are_redacted(log_lines):
    logging.getLogger("django.server").info('"GET /guardian/%s HTTP/1.1" 404 179', TOKEN)
    logged = log_lines()
    assert '"GET /guardian/[redacted] HTTP/1.1" 404 179' in logged
    assert TOKEN not in logged
