"""Receive an uploaded file straight into the record store, hashing it on the way.

Django hands the request body to upload handlers chunk by chunk; this handler writes each
chunk to DID_STORE/incoming/<uuid>.part, feeds SHA-256 and counts bytes, so the file is
never held whole in memory and the hash costs no second pass. A file over the size limit
is dropped as soon as it crosses it.
"""

import hashlib
import os
import uuid
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload

from portal.submissions import store

ALLOWED_EXTENSIONS = (".csv", ".xml", ".zip")


class StoredUpload(UploadedFile):
    """A complete upload on disk in the store's incoming folder, with its hash and size."""

    def __init__(self, path: Path, name: str, content_type, size: int, sha256: str):
        super().__init__(open(path, "rb"), name, content_type, size)  # noqa: SIM115
        self.path = path
        self.sha256 = sha256

    def temporary_file_path(self):
        return str(self.path)

    def discard(self):
        self.close()
        self.path.unlink(missing_ok=True)


class StoreUploadHandler(FileUploadHandler):
    def __init__(self, request=None, max_bytes: int | None = None):
        super().__init__(request)
        self.max_bytes = max_bytes or settings.SUBMISSIONS_MAX_UPLOAD_BYTES
        self.too_large = False
        self._handle = None
        self._path: Path | None = None
        if request is not None:
            request.upload_too_large = False

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        store.make_directories(store.incoming_dir())
        self._path = store.incoming_dir() / f"{uuid.uuid4().hex}.part"
        self._handle = open(self._path, "wb")  # noqa: SIM115
        self._digest = hashlib.sha256()
        self._size = 0

    def receive_data_chunk(self, raw_data, start):
        self._size += len(raw_data)
        if self._size > self.max_bytes:
            self._abandon()
            self.too_large = True
            if self.request is not None:
                self.request.upload_too_large = True
            raise StopUpload(connection_reset=False)
        self._digest.update(raw_data)
        self._handle.write(raw_data)
        return None

    def file_complete(self, file_size):
        if self._handle is None:
            return None
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self._handle.close()
        self._handle = None
        return StoredUpload(
            self._path, self.file_name, self.content_type, self._size, self._digest.hexdigest()
        )

    def upload_interrupted(self):
        self._abandon()

    def _abandon(self):
        if self._handle is not None:
            self._handle.close()
            self._handle = None
        if self._path is not None:
            self._path.unlink(missing_ok=True)


def install(request, max_bytes: int | None = None) -> None:
    """Make this request's file uploads stream into the store. Call before the body is read."""
    request.upload_handlers = [StoreUploadHandler(request, max_bytes)]
    request.upload_too_large = False


def declared_too_large(request) -> bool:
    """The Content-Length alone says the file is over the limit (with room for form fields)."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return length > settings.SUBMISSIONS_MAX_UPLOAD_BYTES + 64 * 1024


def safe_file_name(name: str) -> str:
    base = os.path.basename(name.replace("\\", "/")).strip() or "upload"
    cleaned = "".join(c if c.isalnum() or c in "._- " else "_" for c in base)
    return cleaned[:200]
