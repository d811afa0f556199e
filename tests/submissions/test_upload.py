"""The upload journey: organisation → period → file, streamed into the store and hashed."""

import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from portal.store import api as store
from portal.submissions.models import Status, Submission
from portal.submissions.uploads import StoreUploadHandler
from tests.object_storage import keys
from tests.submissions.factories import TrustFactory, csv_file, sha256, submitter_for

UPLOAD = "/submissions/new/RX1/2026-10/"


def test_a_submitter_of_one_organisation_goes_straight_to_the_period(submitter_client):
    response = submitter_client.get(reverse("submissions:start"))
    assert response.status_code == 302
    assert response.url == "/submissions/new/RX1/"


def test_a_submitter_of_several_organisations_chooses_one_first(client, trust, other_trust):
    client.force_login(submitter_for(trust, other_trust))
    page = client.get(reverse("submissions:start")).content.decode()
    assert "Example Hospitals NHS Trust (RX1)" in page and "(RY2)" in page
    response = client.post(reverse("submissions:start"), {"organisation": "RY2"})
    assert response.url == "/submissions/new/RY2/"
    missing = client.post(reverse("submissions:start"), {})
    assert "Select the organisation you are submitting for" in missing.content.decode()


@time_machine.travel("2026-11-10 09:00:00+00:00")
def test_the_period_defaults_to_last_month(submitter_client):
    page = submitter_client.get("/submissions/new/RX1/").content.decode()
    assert 'value="2026-10" checked' in page.replace('checked=""', "checked") or (
        'value="2026-10"' in page and "checked" in page.split('value="2026-10"')[1][:40]
    )
    response = submitter_client.post("/submissions/new/RX1/", {"period": "2026-10"})
    assert response.url == UPLOAD


def test_an_upload_is_streamed_to_the_store_with_its_hash(
    submitter_client, submitter, django_capture_on_commit_callbacks, monkeypatch
):
    queued = []
    monkeypatch.setattr(
        "portal.submissions.services.enqueue_validation", lambda s: queued.append(s.pk)
    )
    upload = csv_file(rows=5)
    content = upload.read()
    upload.seek(0)
    with django_capture_on_commit_callbacks(execute=True):
        response = submitter_client.post(UPLOAD, {"file": upload})
    submission = Submission.objects.get()
    assert response.url == f"/submissions/{submission.pk}/"
    assert submission.sha256 == sha256(content)
    assert submission.file_size == len(content)
    assert submission.submitted_by == submitter
    assert store.records().read_bytes(submission.upload_path) == content
    assert submission.status == Status.RECEIVED
    assert queued == [submission.pk]  # validation is queued once the row is committed
    assert keys("incoming") == []


def test_the_upload_view_uses_the_streaming_handler_not_memory(submitter_client, settings):
    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE <= 64 * 1024
    response = submitter_client.get(UPLOAD)
    handlers = response.wsgi_request.upload_handlers
    assert [type(h) for h in handlers] == [StoreUploadHandler]


def test_a_file_over_the_size_limit_is_refused_and_nothing_is_kept(submitter_client, settings):
    settings.SUBMISSIONS_MAX_UPLOAD_BYTES = 100
    big = SimpleUploadedFile("big.csv", b"x," * 200_000, "text/csv")
    response = submitter_client.post(UPLOAD, {"file": big})
    assert response.status_code == 400
    assert "The file must be smaller than 100 bytes" in response.content.decode()
    assert Submission.objects.count() == 0
    assert not [key for key in keys() if key.endswith(".part")]


def test_a_file_just_over_the_limit_is_stopped_by_the_handler(submitter_client, settings):
    settings.SUBMISSIONS_MAX_UPLOAD_BYTES = 1000
    response = submitter_client.post(
        UPLOAD, {"file": SimpleUploadedFile("a.csv", b"y" * 1001, "text/csv")}
    )
    assert response.status_code == 400
    assert "smaller than" in response.content.decode()
    assert Submission.objects.count() == 0


def test_a_file_that_is_not_csv_xml_or_zip_is_refused(submitter_client):
    response = submitter_client.post(
        UPLOAD, {"file": SimpleUploadedFile("notes.docx", b"PK...", "application/msword")}
    )
    assert response.status_code == 400
    assert "The file must be a CSV, XML or zip file" in response.content.decode()
    assert Submission.objects.count() == 0


def test_no_file_gives_a_clear_error(submitter_client):
    response = submitter_client.post(UPLOAD, {})
    assert "Select the file to upload" in response.content.decode()


def test_the_same_file_again_is_recognised_and_not_processed_twice(
    submitter_client, django_capture_on_commit_callbacks, monkeypatch
):
    queued = []
    monkeypatch.setattr(
        "portal.submissions.services.enqueue_validation", lambda s: queued.append(s.pk)
    )
    with django_capture_on_commit_callbacks(execute=True):
        submitter_client.post(UPLOAD, {"file": csv_file()})
        again = submitter_client.post(UPLOAD, {"file": csv_file(name="renamed.csv")}, follow=True)
    earlier = Submission.objects.get()
    assert again.redirect_chain[0][0] == f"/submissions/{earlier.pk}/"
    assert "You have already uploaded this file" in again.content.decode()
    assert queued == [earlier.pk]
    assert not [key for key in keys() if key.endswith(".part")]


def test_the_same_file_for_another_period_is_a_new_submission(submitter_client):
    submitter_client.post(UPLOAD, {"file": csv_file()})
    submitter_client.post("/submissions/new/RX1/2026-09/", {"file": csv_file()})
    assert sorted(Submission.objects.values_list("period", flat=True)) == ["2026-09", "2026-10"]


def test_a_submitter_cannot_upload_for_an_organisation_they_do_not_submit_for(
    submitter_client, other_trust
):
    response = submitter_client.post("/submissions/new/RY2/2026-10/", {"file": csv_file()})
    assert response.status_code == 404
    assert Submission.objects.count() == 0
    assert submitter_client.get("/submissions/new/RY2/").status_code == 404


def test_a_revoked_submitter_cannot_upload(client, trust):
    from django.utils import timezone

    user = submitter_for(trust)
    user.memberships.update(revoked_at=timezone.now())
    client.force_login(user)
    assert client.post(UPLOAD, {"file": csv_file()}).status_code == 404


def test_someone_with_another_role_cannot_upload(client, trust):
    from portal.accounts.roles import Role
    from tests.accounts.factories import UserFactory, grant

    contact = UserFactory()
    grant(contact, Role.PRIMARY_CONTACT, trust)
    client.force_login(contact)
    assert client.post(UPLOAD, {"file": csv_file()}).status_code == 404


def test_an_unknown_period_is_not_found(submitter_client):
    assert submitter_client.get("/submissions/new/RX1/2026-13/").status_code == 404


def test_history_lists_who_when_file_hash_status_and_counts(submitter_client, submitter):
    submitter_client.post(UPLOAD, {"file": csv_file(name="october.csv")})
    submission = Submission.objects.get()
    page = submitter_client.get(reverse("submissions:history")).content.decode()
    for expected in ("october.csv", submission.sha256[:10], str(submitter), "Received", "2026-10"):
        assert expected in page


def test_history_does_not_show_other_organisations(submitter_client, other_trust):
    other = submitter_for(other_trust)
    from tests.submissions.factories import received_submission

    received_submission(other, other_trust, name="theirs.csv")
    TrustFactory()
    page = submitter_client.get(reverse("submissions:history")).content.decode()
    assert "theirs.csv" not in page
