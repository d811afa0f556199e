"""Receive an uploaded file straight into the record store, hashing it on the way.

Django hands the request body to upload handlers chunk by chunk; this handler writes each
chunk to the record store's incoming/<uuid>.part (a file on the local store; a multipart
upload on object storage), feeds SHA-256 and counts bytes, so the file is never held whole
in memory and the hash costs no second pass. A file over the size limit is dropped as soon
as it crosses it.

Nothing is written for a request that will be refused (issue 16 M2): the views check the
person, organisation, period and declared size before the body is read, and the handler
asks a `gate` about the form fields that came before the file (the CSRF token in the
browser; the organisation and period in the API) before it opens the file. The
GatedMultiPartParser is what lets it see them.
"""

from collections.abc import Callable

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile, StopUpload
from django.http import QueryDict
from django.http.multipartparser import MultiPartParser
from django.middleware.csrf import (
    CsrfViewMiddleware,
    InvalidTokenFormat,
    _check_token_format,
    _does_token_match,
)

from portal.store import api as store
from portal.submissions import calendar, services


class StoredUpload(UploadedFile):
    """A complete upload in the record store's incoming folder, with its hash and size."""

    def __init__(self, stored: store.StoredObject, name: str, content_type):
        records = store.records()
        super().__init__(records.open(stored.key), name, content_type, stored.size)
        self.key = stored.key
        self.sha256 = stored.sha256
        self._store = records

    def discard(self):
        self.close()
        self._store.delete(self.key)


# A gate looks at the form fields received before the file and returns None to let the
# file be stored, or a short reason ("csrf", "organisation", "period", "order") to refuse it.
Gate = Callable[[QueryDict], str | None]


class GatedMultiPartParser(MultiPartParser):
    """Django's multipart parser, giving its upload handlers the fields parsed so far."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for handler in self._upload_handlers:
            handler.parser = self

    def fields_so_far(self) -> QueryDict:
        return getattr(self, "_post", None) or QueryDict()


class StoreUploadHandler(FileUploadHandler):
    def __init__(self, request=None, max_bytes: int | None = None, gate: Gate | None = None):
        super().__init__(request)
        self.max_bytes = max_bytes or settings.SUBMISSIONS_MAX_UPLOAD_BYTES
        self.too_large = False
        self.gate = gate
        self.parser: GatedMultiPartParser | None = None
        self._incoming: store.IncomingObject | None = None
        if request is not None:
            request.upload_too_large = False
            request.upload_refused = None

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        if self.gate is not None:
            fields = self.parser.fields_so_far() if self.parser is not None else QueryDict()
            reason = self.gate(fields)
            if reason:
                if self.request is not None:
                    self.request.upload_refused = reason
                # Skip the file (read and dropped, bounded by the declared length checked
                # before) and go on parsing the fields, so the view can say what was wrong.
                raise SkipFile()
        self._incoming = store.records().receive(store.incoming_key())

    def receive_data_chunk(self, raw_data, start):
        if self._incoming.size + len(raw_data) > self.max_bytes:
            self._abandon()
            self.too_large = True
            if self.request is not None:
                self.request.upload_too_large = True
            raise StopUpload(connection_reset=False)
        self._incoming.write(raw_data)
        return None

    def file_complete(self, file_size):
        if self._incoming is None:
            return None
        stored = self._incoming.complete()
        self._incoming = None
        return StoredUpload(stored, self.file_name, self.content_type)

    def upload_interrupted(self):
        self._abandon()

    def _abandon(self):
        if self._incoming is not None:
            self._incoming.abandon()
            self._incoming = None


def install(request, max_bytes: int | None = None, gate: Gate | None = None) -> None:
    """Make this request's file uploads stream into the store, once `gate` has let them.
    Call before the body is read."""
    request.upload_handlers = [StoreUploadHandler(request, max_bytes, gate)]
    request.upload_too_large = False
    request.upload_refused = None

    def parse_file_upload(meta, post_data):
        return GatedMultiPartParser(
            meta, post_data, request.upload_handlers, request.encoding
        ).parse()

    request.parse_file_upload = parse_file_upload


def csrf_gate(request) -> Gate:
    """The browser's gate: the form's CSRF token (sent before the file) must match the
    request's CSRF secret. csrf_protect checks the whole request again after the body."""

    def gate(fields) -> str | None:
        if getattr(request, "_dont_enforce_csrf_checks", False):
            return None  # as CsrfViewMiddleware: Django's test client without CSRF checks
        token = fields.get("csrfmiddlewaretoken") or request.META.get(settings.CSRF_HEADER_NAME, "")
        try:
            secret = CsrfViewMiddleware(lambda r: None)._get_secret(request)
            _check_token_format(token)
        except InvalidTokenFormat:
            return "csrf"
        if secret is None or not _does_token_match(token, secret):
            return "csrf"
        return None

    return gate


def declared_too_large(request) -> bool:
    """The Content-Length alone says the file is over the limit (with room for form fields)."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return length > settings.SUBMISSIONS_MAX_UPLOAD_BYTES + 64 * 1024


def api_gate(request) -> Gate:
    """The API's gate: `organisation` and `period` come before `file`, the period is a
    period, and the token's person submits for the organisation."""

    def gate(fields) -> str | None:
        code = (fields.get("organisation") or "").strip().upper()
        period = fields.get("period") or ""
        if not code or not period:
            return "order"
        try:
            calendar.parse_period(period)
        except calendar.InvalidPeriod:
            return "period"
        if not services.submitter_organisations(request.user).filter(code=code).exists():
            return "organisation"
        return None

    return gate
