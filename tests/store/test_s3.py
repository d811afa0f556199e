"""What only object storage needs: an upload that fails part-way is never visible."""

import io
import os

import pytest

from portal.store import api as store
from portal.store import s3
from portal.submissions.models import Submission
from tests.object_storage import keys
from tests.submissions.factories import csv_file

STORE_BACKENDS = ("s3",)
KEY = "records/RX1/2026-10/x.parquet"


def test_an_upload_that_fails_mid_way_leaves_nothing_visible(
    store_backend, db, monkeypatch, tmp_path
):
    """pyarrow completes an S3 upload when its stream closes, even after an error; the
    partial object lands under a temporary key, which is deleted, never the final key."""
    source = tmp_path / "big.parquet"
    source.write_bytes(os.urandom(3 * s3.CHUNK))

    class BrokenDisk(io.FileIO):
        reads = 0

        def read(self, size=-1):
            BrokenDisk.reads += 1
            if BrokenDisk.reads > 1:
                raise OSError(5, "Input/output error")
            return super().read(size)

    monkeypatch.setattr(s3, "open", BrokenDisk, raising=False)
    with pytest.raises(OSError):
        store.records().put_file(source, KEY)
    assert BrokenDisk.reads == 2  # a whole chunk had gone up before the failure
    monkeypatch.undo()
    assert keys() == []
    assert store.records().put_file(source, KEY).size == 3 * s3.CHUNK
    assert keys() == [KEY]


def test_the_stores_are_prefixes_of_one_bucket(store_backend, db, settings):
    store.records().write("reports/a.parquet", lambda path: path.write_bytes(b"r"))
    store.media().write("publications/a.csv", lambda path: path.write_bytes(b"m"))
    everything = s3.S3Store(store.records().filesystem.base_fs, settings.STORE_S3_BUCKET)
    assert sorted(found.key for found in everything.list(settings.STORE_S3_PREFIX)) == [
        f"{settings.STORE_S3_PREFIX}/media/publications/a.csv",
        f"{settings.STORE_S3_PREFIX}/store/reports/a.parquet",
    ]


def test_an_upload_through_the_website_goes_to_the_bucket_and_never_to_the_disk(
    store_backend, submitter_client, settings, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr("portal.submissions.services.enqueue_validation", lambda s: None)
    upload = csv_file(rows=5)
    content = upload.read()
    upload.seek(0)
    with django_capture_on_commit_callbacks(execute=True):
        submitter_client.post("/submissions/new/RX1/2026-10/", {"file": upload})
    submission = Submission.objects.get()
    assert keys() == [submission.upload_path]
    assert store.records().read_bytes(submission.upload_path) == content
    assert not settings.DID_STORE.exists() and not settings.MEDIA_ROOT.exists()
