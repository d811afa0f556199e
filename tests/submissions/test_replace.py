"""Issue 15.3: replacing an accepted month asks first (browser) or needs replace=true (API),
and the confirmation shows how the new file differs by site code and accession number."""

import polars as pl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from portal.audit.models import AuditEntry
from portal.store import api as store
from portal.submissions import services, tokens
from portal.submissions.models import Status
from tests.object_storage import keys
from tests.submissions.factories import outcome_with_records, received_submission, records_frame


def _validated(user, trust, content, frame):
    submission = received_submission(user, trust, content=content)
    services.start_validation(submission.pk)
    submission = services.store_outcome(submission, outcome_with_records(frame))
    if submission.status == Status.AWAITING_CONFIRMATION:
        services.replacement_difference(submission)
    return submission


def _frames():
    """Accepted: ABC0-ABC4 at RX101 and XYZ0-XYZ1 at RX102. New: ABC0-ABC2 as they were,
    ABC3 changed, ABC4 and both XYZ gone, NEW0 added at RX102."""
    accepted = pl.concat([records_frame(5), records_frame(2, site="RX102", first_value="XYZ")])
    new = pl.concat(
        [
            records_frame(3),
            records_frame(4).slice(3, 1).with_columns(gender=pl.lit("2")),
            records_frame(1, site="RX102", first_value="NEW"),
        ]
    )
    return accepted, new


@pytest.fixture
def waiting(submitter, trust):
    accepted_frame, new_frame = _frames()
    accepted = _validated(submitter, trust, b"accepted\n", accepted_frame)
    assert accepted.status == Status.ACCEPTED
    new = _validated(submitter, trust, b"half a month\n", new_frame)
    return accepted, new


def test_a_valid_file_for_an_accepted_month_waits_and_replaces_nothing(waiting):
    accepted, new = waiting
    assert new.status == Status.AWAITING_CONFIRMATION
    accepted.refresh_from_db()
    assert accepted.status == Status.ACCEPTED
    assert [f.submission_id for f in store.current_files()] == [str(accepted.pk)]
    assert AuditEntry.objects.filter(action="submissions.awaiting_confirmation").count() == 1


def test_the_difference_counts_added_removed_and_changed_by_site(waiting):
    accepted, new = waiting
    difference = services.replacement_difference(new)
    assert difference["replaces"] == str(accepted.pk)
    assert (difference["added"], difference["removed"], difference["changed"]) == (1, 3, 1)
    assert (difference["previous_total"], difference["new_total"]) == (7, 5)
    sites = {site["site_code"]: site for site in difference["sites"]}
    assert sites["RX101"] == {
        "site_code": "RX101",
        "previous": 5,
        "new": 4,
        "added": 0,
        "removed": 1,
        "changed": 1,
    }
    assert (sites["RX102"]["added"], sites["RX102"]["removed"]) == (1, 2)
    assert difference["examples"]["changed"] == [["RX101", "ABC3"]]
    assert difference["examples"]["added"] == [["RX102", "NEW0"]]


def test_the_submitter_sees_the_difference_and_confirms(submitter_client, submitter, waiting):
    accepted, new = waiting
    url = reverse("submissions:replace", args=[new.pk])
    detail = submitter_client.get(reverse("submissions:detail", args=[new.pk])).content.decode()
    assert "Waiting for you to confirm" in detail and url in detail
    html = submitter_client.get(url).content.decode()
    assert "<h1>Replace the data for October 2026?</h1>" in html
    assert 'id="total-change">-2<' in html
    assert 'id="added">1<' in html and 'id="removed">3<' in html and 'id="changed">1<' in html
    assert "Fewer records" in html
    assert "ABC3" in html
    refused = submitter_client.post(url, {"replaces": str(accepted.pk)})
    assert refused.status_code == 400 and "Select whether" in refused.content.decode()
    response = submitter_client.post(url, {"decision": "replace", "replaces": str(accepted.pk)})
    assert response.url == reverse("submissions:detail", args=[new.pk])
    accepted.refresh_from_db()
    new.refresh_from_db()
    assert (accepted.status, new.status) == (Status.SUPERSEDED, Status.ACCEPTED)
    assert [f.submission_id for f in store.current_files()] == [str(new.pk)]
    confirmed = AuditEntry.objects.get(action="submissions.replacement_confirmed")
    assert confirmed.actor_id == submitter.pk and confirmed.details["replaces"] == str(accepted.pk)
    assert new.events.last().actor == submitter


def test_the_submitter_may_keep_the_accepted_file(submitter_client, waiting):
    accepted, new = waiting
    url = reverse("submissions:replace", args=[new.pk])
    submitter_client.post(url, {"decision": "keep", "replaces": str(accepted.pk)})
    accepted.refresh_from_db()
    new.refresh_from_db()
    assert (accepted.status, new.status) == (Status.ACCEPTED, Status.NOT_USED)
    assert [f.submission_id for f in store.current_files()] == [str(accepted.pk)]
    # Decided: the page no longer asks.
    assert submitter_client.get(url).url == reverse("submissions:detail", args=[new.pk])


def test_a_confirmation_against_a_since_replaced_file_asks_again(submitter, trust, waiting):
    accepted, new = waiting
    with pytest.raises(services.ReplacementChanged):
        services.confirm_replacement(submitter, new.pk, "some-other-submission")
    new.refresh_from_db()
    assert new.status == Status.AWAITING_CONFIRMATION


def test_nobody_else_can_confirm(client, other_submitter, waiting):
    accepted, new = waiting
    client.force_login(other_submitter)
    url = reverse("submissions:replace", args=[new.pk])
    assert (
        client.post(url, {"decision": "replace", "replaces": str(accepted.pk)}).status_code == 404
    )
    with pytest.raises(services.SubmissionRefused):
        services.confirm_replacement(other_submitter, new.pk, str(accepted.pk))
    new.refresh_from_db()
    assert new.status == Status.AWAITING_CONFIRMATION


def test_the_upload_page_warns_that_the_month_is_already_accepted(submitter_client, waiting):
    html = submitter_client.get(reverse("submissions:upload", args=["RX1", "2026-10"])).content
    assert b"already has an accepted file" in html


def _api_post(client, token, content, **fields):
    return client.post(
        "/api/submissions",
        {
            "organisation": "RX1",
            "period": "2026-10",
            "file": SimpleUploadedFile("again.csv", content, "text/csv"),
            **fields,
        },
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def test_the_api_needs_replace_true_for_an_accepted_month(client, submitter, trust, settings):
    accepted, _ = _frames()
    _validated(submitter, trust, b"accepted\n", accepted)
    _, token = tokens.create(submitter, "RIS")
    response = _api_post(client, token, b"another file\n")
    assert response.status_code == 409
    assert "replace=true" in response.json()["detail"]
    assert "October 2026 already has an accepted file" in response.json()["detail"]
    assert keys("incoming") == []  # the refused upload is not kept
    response = _api_post(client, token, b"another file\n", replace="true")
    assert response.status_code == 201
    submission = services.visible_submissions(submitter).get(pk=response.json()["id"])
    assert submission.replace_confirmed


def test_a_file_confirmed_in_advance_replaces_the_month_when_accepted(submitter, trust):
    accepted, new = _frames()
    first = _validated(submitter, trust, b"accepted\n", accepted)
    second = received_submission(submitter, trust, content=b"replacement\n", replace=True)
    services.start_validation(second.pk)
    second = services.store_outcome(second, outcome_with_records(new))
    first.refresh_from_db()
    assert (first.status, second.status) == (Status.SUPERSEDED, Status.ACCEPTED)
