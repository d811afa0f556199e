"""What every log line carries, and what it never carries.

Carries: the request id (`request_id`), set per request by
portal.operations.middleware.RequestIdMiddleware and per task by the worker, so one
request's lines can be found across processes.

Never carries secret link tokens or patient identifiers:

* Invitation, guardian, contacts and password-reset links carry their token in the URL path, and Django logs
  request paths: `django.request` for every 4xx ("Not Found: /activate/<token>" for a
  mistyped link, "Gone: /guardian/<token>" for an expired one), `django.security.csrf` for
  refused posts, and `django.server` for every request under runserver. A token in a log
  file is a usable link for whoever reads the logs, so the token segment is replaced.
* An NHS number, birth date or postcode can reach a message or a traceback through a
  library's error about a value in an uploaded file; they are replaced too, in the message
  and in the formatted exception.

The filters sit on the handler, so they run before any formatter writes the record.
"""

import contextvars
import logging
import re

from portal.core import patient_identifiers

REDACTED = patient_identifiers.REDACTED
# The URL prefixes whose next path segment is a secret token; "contacts/sent" is a page.
TOKEN_PATH = re.compile(
    r"(/(?:activate|guardian|contacts|reset-password)/)(?!sent\b)([^/\s?#\"']+)"
)

# The id of the request (or task) this thread or coroutine is serving; "-" outside one.
request_id = contextvars.ContextVar("request_id", default="-")


def redact_token_paths(text: str) -> str:
    return TOKEN_PATH.sub(rf"\1{REDACTED}", text)


# What every LogRecord has; anything else was passed as `extra` (Django passes the request
# and the status code) and is written out by the JSON formatter, so it is redacted too.
_STANDARD_ATTRIBUTES = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {
    "message",
    "asctime",
    "request_id",
}
_exception_formatter = logging.Formatter()


class _Redacting(logging.Filter):
    """A handler filter that rewrites everything a formatter may write: the message, the
    traceback (formatted here and handed on as the record's exception text), the stack and
    any extra attributes (as their redacted text)."""

    def redact(self, text: str) -> str:
        raise NotImplementedError

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed record: leave it to the handler
            message = None
        if message is not None:
            redacted = self.redact(message)
            if redacted != message:
                record.msg, record.args = redacted, ()
        if record.exc_info:
            record.exc_text = _exception_formatter.formatException(record.exc_info)
            record.exc_info = None
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        for name, value in list(vars(record).items()):
            if name not in _STANDARD_ATTRIBUTES and not isinstance(value, int | float | bool):
                setattr(record, name, self.redact(str(value)))
        return True


class RedactTokenPaths(_Redacting):
    """Token segments of link paths, wherever the record carries the path."""

    def redact(self, text: str) -> str:
        return redact_token_paths(text)


class RedactPatientIdentifiers(_Redacting):
    """NHS numbers, birth dates and postcodes, wherever the record carries them."""

    def redact(self, text: str) -> str:
        return patient_identifiers.redact(text)


class RequestId(logging.Filter):
    """A handler filter: adds `request_id` to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True
