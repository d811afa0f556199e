"""/metrics: Prometheus figures for the service desk and the scraper's token, nobody else."""

import pytest

from portal.submissions.services import validate_submission_task
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

TOKEN = "a-long-random-scraper-token-0123456789"  # noqa: S105


@pytest.fixture
def metrics_token(settings):
    settings.METRICS_TOKEN = TOKEN


def test_the_service_desk_reads_request_validation_and_queue_figures(
    client, service_desk_user, worker_heartbeats
):
    validate_submission_task.enqueue("00000000-0000-0000-0000-000000000001")
    client.force_login(service_desk_user)
    client.get("/")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert "django_http_requests_total_by_method_total" in text
    assert 'did_queue_waiting_tasks{queue="validation"} 1.0' in text
    assert 'did_workers_live{queue="email"} 1.0' in text
    assert "# TYPE did_submissions gauge" in text


def test_anyone_else_signed_in_is_refused(client):
    client.force_login(UserFactory())
    assert client.get("/metrics").status_code == 404  # as any page out of reach


def test_anonymous_people_are_sent_to_sign_in(client):
    response = client.get("/metrics")
    assert response.status_code == 302 and response.url.startswith("/sign-in")


def test_the_scraper_reads_them_with_the_token(client, metrics_token):
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert b"did_queue_waiting_tasks" in response.content


@pytest.mark.parametrize("header", [f"Bearer {TOKEN}x", "Bearer ", f"Basic {TOKEN}"])
def test_a_wrong_token_gets_401_and_no_figures(client, metrics_token, header):
    response = client.get("/metrics", headers={"Authorization": header})
    assert response.status_code == 401
    assert b"did_" not in response.content


def test_without_a_configured_token_no_token_works(client, settings):
    settings.METRICS_TOKEN = ""
    response = client.get("/metrics", headers={"Authorization": "Bearer "})
    assert response.status_code == 401
