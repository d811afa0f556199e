"""Issue 16 M2, M3: an upload body is stored only after the person, the CSRF token (browser)
or API token, the organisation and the period have been checked; a huge declared length is
refused before the body is read; a refusal leaves nothing behind."""

import io

import pytest
from django.test import Client

from portal.submissions import tokens
from portal.submissions.models import Submission
from tests.object_storage import keys
from tests.submissions.factories import csv_file

UPLOAD = "/submissions/new/RX1/2026-10/"


def _left_behind() -> list[str]:
    return keys()


@pytest.fixture
def strict_client(submitter):
    client = Client(enforce_csrf_checks=True)
    client.force_login(submitter)
    return client


def _token(client) -> str:
    page = client.get(UPLOAD).content.decode()
    return page.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]


def test_a_browser_upload_without_the_csrf_token_is_refused_and_nothing_stored(strict_client):
    strict_client.get(UPLOAD)  # the CSRF cookie is set
    response = strict_client.post(UPLOAD, {"file": csv_file()})
    assert response.status_code == 403
    assert _left_behind() == []
    bad = strict_client.post(UPLOAD, {"csrfmiddlewaretoken": "x" * 64, "file": csv_file()})
    assert bad.status_code == 403
    assert _left_behind() == [] and not Submission.objects.exists()


def test_a_browser_upload_with_the_token_before_the_file_is_stored(strict_client):
    token = _token(strict_client)
    response = strict_client.post(UPLOAD, {"csrfmiddlewaretoken": token, "file": csv_file()})
    assert response.status_code == 302, response.content.decode()[:500]
    submission = Submission.objects.get()
    assert _left_behind() == [submission.upload_path]


@pytest.mark.parametrize(
    "url",
    [
        "/submissions/new/RY2/2026-10/",
        "/submissions/new/RX1/2026-13/",
        "/submissions/new/XX/2026-10/",
    ],
)
def test_an_upload_for_another_organisation_or_no_period_is_refused_before_the_body(
    strict_client, other_trust, url
):
    token = _token(strict_client)
    response = strict_client.post(url, {"csrfmiddlewaretoken": token, "file": csv_file()})
    assert response.status_code == 404
    assert _left_behind() == []


class ExplodingInput(io.BytesIO):
    def read(self, *args):
        raise AssertionError("the body was read")

    readline = read


def test_a_huge_declared_length_is_refused_before_the_body_is_read(submitter, settings, rf):
    from django.contrib.sessions.backends.db import SessionStore

    from portal.submissions import views

    settings.SUBMISSIONS_MAX_UPLOAD_BYTES = 1000
    request = rf.post(UPLOAD, data=b"", content_type="multipart/form-data; boundary=x")
    request.META["CONTENT_LENGTH"] = str(50 * 1024**3)
    request.META["wsgi.input"] = ExplodingInput()
    request._stream = ExplodingInput()
    request.user = submitter
    request.session = SessionStore()
    response = views.upload(request, code="RX1", period="2026-10")
    assert response.status_code == 400
    assert "The file must be smaller than" in response.content.decode()
    assert _left_behind() == []


def _api(client, token, data, **extra):
    return client.post("/api/submissions", data, HTTP_AUTHORIZATION=f"Bearer {token}", **extra)


def test_the_api_stores_nothing_for_another_organisation_a_bad_period_or_a_file_sent_first(
    client, submitter, other_trust
):
    _, token = tokens.create(submitter, "RIS")
    theirs = _api(client, token, {"organisation": "RY2", "period": "2026-10", "file": csv_file()})
    assert theirs.status_code == 404
    bad = _api(client, token, {"organisation": "RX1", "period": "2026-13", "file": csv_file()})
    assert bad.status_code == 400 and "not a reporting period" in bad.json()["detail"]
    first = _api(client, token, {"file": csv_file(), "organisation": "RX1", "period": "2026-10"})
    assert first.status_code == 400
    assert "before the 'file' field" in first.json()["detail"]
    assert _left_behind() == [] and not Submission.objects.exists()
    ok = _api(client, token, {"organisation": "RX1", "period": "2026-10", "file": csv_file()})
    assert ok.status_code == 201


def test_the_api_refuses_a_huge_declared_length_before_the_body(client, submitter, settings):
    settings.SUBMISSIONS_MAX_UPLOAD_BYTES = 1000
    _, token = tokens.create(submitter, "RIS")
    response = client.generic(
        "POST",
        "/api/submissions",
        b"",
        content_type="multipart/form-data; boundary=x",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        CONTENT_LENGTH=str(50 * 1024**3),
        **{"wsgi.input": ExplodingInput()},
    )
    assert response.status_code == 413
    assert _left_behind() == []


def test_downloads_are_not_cached_and_say_their_charset(submitter_client, submitter, trust):
    from django.urls import reverse

    from portal.submissions import services
    from tests.submissions.factories import outcome, received_submission

    submission = received_submission(submitter, trust)
    services.start_validation(submission.pk)
    services.store_outcome(submission, outcome(rows=2))
    for name in ("issues-csv", "records-csv"):
        response = submitter_client.get(reverse(f"submissions:{name}", args=[submission.pk]))
        assert response["Cache-Control"] == "no-store"
        assert response["Content-Type"] == "text/csv; charset=utf-8"
