"""The REST API: personal Bearer tokens, upload, status and report."""

import hashlib

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from portal.submissions import services, tokens
from portal.submissions.models import ApiToken, Channel, Status, Submission
from tests.submissions.factories import (
    did_csv,
    outcome,
    received_submission,
    reference_organisations,
    submitter_for,
)


def _auth(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.fixture
def api_user(db):
    from portal.organisations.models import Organisation

    reference_organisations()
    user = submitter_for(Organisation.objects.get(code="RR8"))
    _, token = tokens.create(user, "RIS nightly export")
    return user, token


def test_a_token_is_shown_once_and_kept_only_as_a_hash(submitter_client, submitter):
    response = submitter_client.post("/account/api-tokens/", {"name": "RIS"})
    page = response.content.decode()
    token = page.split('<code id="new-token">')[1].split("</code>")[0]
    row = ApiToken.objects.get(user=submitter)
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(ApiToken.objects.values().get())
    assert token not in submitter_client.get("/account/api-tokens/").content.decode()


def test_a_token_needs_a_name(submitter_client):
    response = submitter_client.post("/account/api-tokens/", {"name": ""})
    assert "Enter a name for the token" in response.content.decode()


def test_a_revoked_token_no_longer_works(client, api_user):
    user, token = api_user
    client.force_login(user)
    row = ApiToken.objects.get(user=user)
    assert client.get("/api/schema", **_auth(token)).status_code == 200
    client.post(f"/account/api-tokens/{row.pk}/revoke")
    client.logout()
    assert client.get("/api/schema", **_auth(token)).status_code == 401


def test_nobody_can_revoke_someone_elses_token(client, api_user, other_submitter):
    user, _ = api_user
    client.force_login(other_submitter)
    row = ApiToken.objects.get(user=user)
    assert client.post(f"/account/api-tokens/{row.pk}/revoke").status_code == 404
    row.refresh_from_db()
    assert row.revoked_at is None


@pytest.mark.parametrize("header", [None, "Bearer did_wrong", "Basic abc", "Bearer "])
def test_anonymous_or_bad_tokens_get_401(client, db, header):
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    for path in ("/api/schema", "/api/submissions", "/api/openapi.json"):
        assert client.get(path, **extra).status_code == 401
    response = client.post("/api/submissions", **extra)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_signed_in_session_is_not_enough_for_the_api(submitter_client):
    assert submitter_client.get("/api/schema").status_code == 401


def test_the_openapi_schema_is_served(client, api_user):
    _, token = api_user
    schema = client.get("/api/schema", **_auth(token)).json()
    assert schema["openapi"].startswith("3.")
    assert "/api/submissions" in schema["paths"]
    assert "/api/submissions/{submission_id}/report" in schema["paths"]


def test_a_system_uploads_polls_and_fetches_the_report(
    client, api_user, immediate_tasks, django_capture_on_commit_callbacks
):
    user, token = api_user
    with time_machine.travel("2026-10-15 10:00:00+01:00", tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                "/api/submissions",
                {
                    "organisation": "RR8",
                    "period": "2026-09",
                    "file": SimpleUploadedFile("sept.csv", did_csv(rows=3), "text/csv"),
                },
                **_auth(token),
            )
    assert response.status_code == 201, response.content
    body = response.json()
    submission = Submission.objects.get(pk=body["id"])
    assert submission.channel == Channel.API and submission.submitted_by == user
    status = client.get(body["status_url"], **_auth(token)).json()
    assert status["status"] == "accepted" and status["record_count"] == 3
    report = client.get(body["report_url"], **_auth(token)).json()
    assert report["submission"]["id"] == body["id"]
    assert report["issues"] == [] and report["total"] == 0 and report["pages"] == 1


def test_the_same_file_again_through_the_api_is_a_duplicate(client, api_user, monkeypatch):
    monkeypatch.setattr("portal.submissions.services.enqueue_validation", lambda s: None)
    _, token = api_user
    data = {"organisation": "RR8", "period": "2026-09"}
    first = client.post(
        "/api/submissions",
        {**data, "file": SimpleUploadedFile("a.csv", b"x\n", "text/csv")},
        **_auth(token),
    )
    again = client.post(
        "/api/submissions",
        {**data, "file": SimpleUploadedFile("b.csv", b"x\n", "text/csv")},
        **_auth(token),
    )
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["duplicate"] is True and again.json()["id"] == first.json()["id"]


def test_the_api_enforces_the_size_limit(client, api_user, settings):
    settings.SUBMISSIONS_MAX_UPLOAD_BYTES = 10
    _, token = api_user
    response = client.post(
        "/api/submissions",
        {
            "organisation": "RR8",
            "period": "2026-09",
            "file": SimpleUploadedFile("a.csv", b"y" * 5000, "text/csv"),
        },
        **_auth(token),
    )
    assert response.status_code == 413
    assert Submission.objects.count() == 0


def test_the_api_refuses_a_bad_period(client, api_user):
    _, token = api_user
    response = client.post(
        "/api/submissions",
        {
            "organisation": "RR8",
            "period": "September",
            "file": SimpleUploadedFile("a.csv", b"x\n", "text/csv"),
        },
        **_auth(token),
    )
    assert response.status_code == 400
    assert "not a reporting period" in response.json()["detail"]


def test_the_api_is_scoped_to_the_tokens_organisations(client, api_user, other_trust):
    _, token = api_user
    other = submitter_for(other_trust)
    theirs = received_submission(other, other_trust)
    services.start_validation(theirs.pk)
    services.store_outcome(theirs, outcome(accepted=False, errors=1))
    for path in (f"/api/submissions/{theirs.pk}", f"/api/submissions/{theirs.pk}/report"):
        assert client.get(path, **_auth(token)).status_code == 404
    response = client.post(
        "/api/submissions",
        {
            "organisation": other_trust.code,
            "period": "2026-09",
            "file": SimpleUploadedFile("a.csv", b"x\n", "text/csv"),
        },
        **_auth(token),
    )
    assert response.status_code == 404
    assert Submission.objects.filter(organisation=other_trust).count() == 1
    assert Submission.objects.get(organisation=other_trust).status == Status.REJECTED


def test_every_api_operation_is_documented_in_the_readme(client, api_user):
    from pathlib import Path

    _, token = api_user
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    paths = client.get("/api/schema", **_auth(token)).json()["paths"]
    assert paths
    for path, operations in paths.items():
        for method in operations:
            assert f"{method.upper()} {path}" in readme, f"{method.upper()} {path}"
