"""A bounded schemathesis run against the REST API's own OpenAPI schema (issue 16).

The portal is served on a free loopback port (Django's threaded server, every middleware
in place) and schemathesis sends generated requests to every operation of django-ninja's
schema, with a real submitter's real token: no answer may be a server error, and every
status code must be one the schema declares for that operation, with a body and content
type that fit it. Path parameters are one of the submitter's real submissions half the time
(one finished with issues, one still waiting), so the status and report routes are
exercised past their 404. Bounded (MAX_EXAMPLES per operation) so the run takes seconds,
in both of CI's database steps.
"""

import copy
import json

import hypothesis
import pytest
import requests
import schemathesis
from hypothesis import strategies as st
from pytest_django.live_server_helper import LiveServer
from schemathesis import checks

from portal.submissions import services, tokens
from portal.submissions.api import api
from tests.submissions.factories import (
    did_csv,
    outcome,
    received_submission,
    reference_organisations,
    submitter_for,
)

MAX_EXAMPLES = 40
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]
OPENAPI = api.get_openapi_schema(path_prefix="/api")


def _with_file_names(document: dict) -> dict:
    """The schema as tested: schemathesis names a file part after the field ("file") unless
    the schema gives a name; uploads must be named .csv, .xml or .zip to get past the first
    check, so the tested copy names them dids.csv."""
    document = copy.deepcopy(document)
    upload = document["paths"]["/api/submissions"]["post"]["requestBody"]["content"]
    upload["multipart/form-data"]["encoding"] = {
        "file": {
            "headers": {
                "Content-Disposition": {
                    "schema": {"type": "string"},
                    "example": 'form-data; name="file"; filename="dids.csv"',
                }
            }
        }
    }
    return document


schema = schemathesis.openapi.from_dict(_with_file_names(OPENAPI))
schema.config.generation.update(max_examples=MAX_EXAMPLES)

# The submitter's real submission ids, filled in by the fixture before generation starts.
REAL_IDS: list[str] = []


@schema.hook
def before_generate_path_parameters(context, strategy):
    if "submission_id" not in context.operation.path:
        return strategy
    real = st.integers(min_value=0, max_value=1).map(
        lambda index: {"submission_id": REAL_IDS[index]}
    )
    return st.one_of(strategy, real)


@schema.hook
def before_generate_body(context, strategy):
    """Half the uploads are for the submitter's own organisation and a real period, with a
    real DID file or arbitrary bytes, so the route is exercised past its first refusal."""
    if context.operation.path != "/api/submissions":
        return strategy
    real = st.fixed_dictionaries(
        {
            "organisation": st.sampled_from(["RR8", "rr8 "]),
            "period": st.sampled_from(["2026-10", "2026-09", "2026-13", "2026-9"]),
            "file": st.one_of(st.just(did_csv(rows=2)), st.binary(max_size=200)),
            "replace": st.booleans(),
        }
    )
    return st.one_of(strategy, real)


@pytest.fixture
def portal_server(transactional_db):
    server = LiveServer("127.0.0.1:0")
    yield server
    server.stop()


@pytest.fixture
def submitter_token(transactional_db):
    """A real submitter's real token, and two real submissions: one finished with issues
    (so report pages have something to page through), one still waiting."""
    from portal.organisations.models import Organisation

    reference_organisations()
    trust = Organisation.objects.get(code="RR8")
    user = submitter_for(trust)
    _, token = tokens.create(user, "schemathesis")
    finished = received_submission(user, trust)
    services.start_validation(finished.pk)
    services.store_outcome(finished, outcome(accepted=False, errors=30, warnings=12))
    waiting = received_submission(user, trust, period="2026-09")
    REAL_IDS[:] = [str(finished.pk), str(waiting.pk)]
    yield token
    REAL_IDS.clear()


def test_the_schema_tested_is_the_one_the_portal_serves(client, submitter_token):
    served = client.get("/api/openapi.json", HTTP_AUTHORIZATION=f"Bearer {submitter_token}")
    assert served.json() == json.loads(json.dumps(OPENAPI))


def test_a_body_that_says_multipart_but_is_not_gets_400_in_json(portal_server, submitter_token):
    # Found by this run: Django's HTML page for a bad request, which the schema does not say.
    response = requests.post(
        f"{portal_server.url}/api/submissions",
        data=b"",
        headers={
            "Content-Type": "multipart/form-data",
            "Authorization": f"Bearer {submitter_token}",
        },
        timeout=10,
    )
    assert response.status_code == 400
    assert response.headers["Content-Type"].startswith("application/json")
    assert "not a valid multipart form" in response.json()["detail"]


@schema.parametrize()
@hypothesis.settings(
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture],
)
def test_the_api_answers_only_what_its_schema_declares(case, portal_server, submitter_token):
    case.call_and_validate(
        base_url=portal_server.url,
        headers={"Authorization": f"Bearer {submitter_token}"},
        checks=CHECKS,
    )
