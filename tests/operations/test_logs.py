"""Logs: JSON lines with a request id, and never a patient identifier.

A file of known NHS numbers, birth dates and postcodes goes through the upload, the
validation (accepted and rejected records) and the failure paths, with every logger at
DEBUG; every line the console handler writes is searched for them in any spelling.
"""

import io
import json
import logging
import re

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from portal.core.log_filters import RedactPatientIdentifiers
from portal.organisations.models import Organisation
from portal.submissions import engine
from portal.submissions.models import Status, Submission
from tests.did.records import csv_text, record
from tests.submissions.factories import reference_organisations, submitter_for

KNOWN = {
    "nhs_numbers": ["9434765919", "1234567890"],
    "birth_dates": ["1980-05-17", "2001-02-03"],
    "postcodes": ["LS1 4AP", "SW1A 1AA"],
}
RECEIVED = "2026-10-15 10:00:00+01:00"


def _spellings(value: str) -> list[str]:
    """The value as written, and as it might be re-spelt on the way to a log line."""
    digits = re.sub(r"\D", "", value)
    spellings = {value, value.replace(" ", ""), value.replace(" ", "%20"), value.replace(" ", "+")}
    if len(digits) == 10:
        spellings |= {digits, f"{digits[:3]} {digits[3:6]} {digits[6:]}"}
    if len(digits) == 8:  # a date: 1980-05-17, 17/05/1980, 19800517
        y, m, d = digits[:4], digits[4:6], digits[6:]
        spellings |= {digits, f"{d}/{m}/{y}"}
    return sorted(spellings)


@pytest.fixture
def console():
    """The configured console handler (filters and formatter as in production, JSON),
    writing to a buffer; every logger at DEBUG for the test."""
    root = logging.getLogger()
    handler = next(
        h for h in root.handlers if any(isinstance(f, RedactPatientIdentifiers) for f in h.filters)
    )
    buffer = io.StringIO()
    old_stream = handler.setStream(buffer)
    old_formatter = handler.formatter
    from pythonjsonlogger.json import JsonFormatter

    handler.setFormatter(
        JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s")
    )
    old_level = root.level
    root.setLevel(logging.DEBUG)
    try:
        yield buffer
    finally:
        root.setLevel(old_level)
        handler.setFormatter(old_formatter)
        handler.setStream(old_stream)


@pytest.fixture
def rr8_client(client, db):
    reference_organisations()
    client.force_login(
        submitter_for(Organisation.objects.get(code="RR8"), email="submitter@rr8.nhs.uk")
    )
    return client


def _file(first: int) -> bytes:
    rows = [
        record(first),  # valid: 9434765919, 1980-05-17, LS1 4AP
        record(first + 1, nhs_number="1234567890", birth_date="2001-02-03", postcode="SW1A 1AA"),
        record(first + 2, nhs_number="943 476 5919", birth_date="17/05/1980", postcode="SW1A1AA"),
    ]
    return csv_text(rows).encode()


def _upload(client, name, first=1):
    with time_machine.travel(RECEIVED, tick=False):
        return client.post(
            "/submissions/new/RR8/2026-09/",
            {"file": SimpleUploadedFile(name, _file(first), "text/csv")},
            follow=True,
        )


def test_no_patient_identifier_reaches_any_log_line(
    console, rr8_client, immediate_tasks, django_capture_on_commit_callbacks, monkeypatch
):
    # 1. Upload and validation: the file is rejected for the bad records.
    with django_capture_on_commit_callbacks(execute=True):
        _upload(rr8_client, "september.csv")
    assert Submission.objects.get().status == Status.REJECTED

    # 2. A failure whose error message quotes the values (as a library's parse error can).
    def failing_run(*args, **kwargs):
        raise ValueError(
            "could not parse row: 9434765919,1980-05-17,LS1 4AP / 1234567890 2001-02-03 SW1A1AA"
        )

    monkeypatch.setattr(engine, "run", failing_run)
    with django_capture_on_commit_callbacks(execute=True):
        _upload(rr8_client, "september-again.csv", first=10)
    failed = Submission.objects.get(file_name="september-again.csv")
    assert failed.status == Status.FAILED

    # 3. Values in a request path, which Django logs for every 404.
    rr8_client.get("/submissions/9434765919/LS1%204AP/1980-05-17/")

    lines = console.getvalue().splitlines()
    assert any("validation of submission" in line for line in lines)  # the failure was logged
    assert any("Traceback" in line for line in lines)
    assert any("Not Found" in line for line in lines)
    for kind, values in KNOWN.items():
        for value in values:
            for spelling in _spellings(value):
                leaking = [line for line in lines if spelling.lower() in line.lower()]
                assert leaking == [], f"{kind}: {spelling!r} in {leaking[:2]}"


def test_every_line_is_json_with_the_request_id_the_response_names(console, client, db):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    request_id = response["X-Request-ID"]
    lines = [json.loads(line) for line in console.getvalue().splitlines()]
    not_found = [line for line in lines if line["message"].startswith("Not Found")]
    assert not_found and {line["request_id"] for line in not_found} == {request_id}
    assert not_found[0]["name"] == "django.request"


def test_a_proxy_request_id_is_kept_and_a_strange_one_replaced(client, db):
    kept = client.get("/", headers={"X-Request-ID": "proxy-0123456789abcdef"})
    assert kept["X-Request-ID"] == "proxy-0123456789abcdef"
    replaced = client.get("/", headers={"X-Request-ID": "bad id\nwith newline"})
    assert re.fullmatch(r"[0-9a-f]{32}", replaced["X-Request-ID"])
