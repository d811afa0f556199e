"""Keep secret link tokens out of the logs.

Invitation, guardian, contacts and password-reset links carry their token in the URL path, and Django logs
request paths: `django.request` for every 4xx ("Not Found: /activate/<token>" for a mistyped
link, "Gone: /guardian/<token>" for an expired one), `django.security.csrf` for refused
posts, and `django.server` for every request under runserver. A token in a log file is a
usable link for whoever reads the logs, so the token segment is replaced before any
handler writes the record.
"""

import logging
import re

REDACTED = "[redacted]"
# The URL prefixes whose next path segment is a secret token; "contacts/sent" is a page.
TOKEN_PATH = re.compile(
    r"(/(?:activate|guardian|contacts|reset-password)/)(?!sent\b)([^/\s?#\"']+)"
)


def redact_token_paths(text: str) -> str:
    return TOKEN_PATH.sub(rf"\1{REDACTED}", text)


class RedactTokenPaths(logging.Filter):
    """A handler filter: rewrites the record's message with token segments redacted."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed record: leave it to the handler
            return True
        redacted = redact_token_paths(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True
