"""Deny by default: every route needs a signed-in user unless it is explicitly public."""

import datetime
import uuid

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.converters import IntConverter, PathConverter, SlugConverter, UUIDConverter
from django.utils import timezone

# The only pages anyone may see without signing in. Adding to this list is a decision.
PUBLIC_ROUTES = {
    "core:home",
    "core:healthz",
    "core:accessibility",
    "core:privacy",
    "core:cookies",
    "core:contact",
    "accounts:sign-in",
    "accounts:activate",
    "accounts:activate-mfa",
    "accounts:sign-in-mfa",
    "accounts:sign-in-cis2",
    "accounts:sign-in-cis2-callback",
    "accounts:forgotten-password",
    "accounts:forgotten-password-sent",
    "accounts:reset-password",
    "certificates:guardian-review",
    "certificates:contacts-request",
    "certificates:contacts-request-sent",
    "certificates:contacts-disclosure",
    "certificates:apply-start",
    "certificates:apply-organisation",
    "certificates:apply-primary-contact",
    "certificates:apply-users",
    "certificates:apply-user-add",
    "certificates:apply-user-change",
    "certificates:apply-guardian",
    "certificates:apply-check",
    "certificates:apply-sent",
    "certificates:apply-progress",
    "publications:index",
    "publications:release",
    "publications:table-download",
    "publications:calendar",
    "publications:chart",
    "publications:table-1-download",
    "publications:providers",
    "publications:provider",
}

_SAMPLE = {
    IntConverter: "1",
    UUIDConverter: str(uuid.UUID(int=1)),
    SlugConverter: "sample",
    PathConverter: "sample",
}


def _sample_value(converter):
    for kind, value in _SAMPLE.items():
        if isinstance(converter, kind):
            return value
    return "sample"


def _walk(patterns, prefix="", namespace=None):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or namespace
            if ns and namespace and entry.namespace:
                ns = f"{namespace}:{entry.namespace}"
            yield from _walk(entry.url_patterns, prefix + _route(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            yield prefix + _route(entry.pattern), name, entry


def _route(pattern):
    route = str(pattern)
    converters = getattr(pattern, "converters", {})
    for key, converter in converters.items():
        for marker in (
            f"<{key}>",
            *(f"<{c}:{key}>" for c in ("int", "str", "slug", "uuid", "path")),
        ):
            route = route.replace(marker, _sample_value(converter))
    return route.lstrip("^").rstrip("$")


ALL_ROUTES = sorted({(route, name) for route, name, _ in _walk(get_resolver().url_patterns)})


def _is_public(view) -> bool:
    return getattr(view, "login_required", True) is False


def test_the_walk_finds_the_routes():
    assert ("", "core:home") in ALL_ROUTES
    assert len(ALL_ROUTES) >= 4


@pytest.mark.parametrize(("route", "name"), ALL_ROUTES, ids=[r or "/" for r, _ in ALL_ROUTES])
def test_every_route_denies_anonymous_users_unless_declared_public(client, db, route, name):
    path = "/" + route
    match = resolve(path)
    if _is_public(match.func):
        assert name in PUBLIC_ROUTES, f"{name} ({path}) is public but not declared in PUBLIC_ROUTES"
        return
    assert name not in PUBLIC_ROUTES or name is None, f"{name} is declared public but is not"
    for method in ("get", "post"):
        response = getattr(client, method)(path)
        if route.startswith("api/"):
            assert response.status_code in (401, 403), f"{method.upper()} {path}"
            continue
        assert response.status_code == 302, f"{method.upper()} {path} gave {response.status_code}"
        login = settings.LOGIN_URL if "/" in settings.LOGIN_URL else "/sign-in"
        assert response.url.startswith(login), f"{method.upper()} {path} went to {response.url}"


# ------------------------------------------------------------------ role x route matrix
#
# Every URL pattern x every role x GET/POST, with real object ids (ADR 070). Each route
# declares who may use it (its audience) and the answers a permitted person may get; the
# test fails on any other answer. Everyone else gets the portal's one refusal: 302 to
# sign-in when not signed in (anonymous, mid-MFA, revoked), 401 from the API without a
# working token, and 404 when signed in (never 403, never anything that says it exists).

ROLES = (
    "anonymous",
    "mid_mfa",
    "other_submitter",
    "submitter",
    "primary_contact",
    "guardian",
    "service_desk",
    "revoked",
)
SIGNED_IN = {"other_submitter", "submitter", "primary_contact", "guardian", "service_desk"}
# Audiences: which roles a route is for.
PUBLIC = set(ROLES)
ANY_SIGNED_IN = SIGNED_IN
SUBMITTERS = {"submitter", "other_submitter"}
SUBMITTER_OF_A = {"submitter"}
MANAGERS_OF_A = {"guardian", "service_desk"}
PEOPLE_OF_A = {"submitter", "primary_contact", "guardian"}
DESK = {"service_desk"}


class R:
    """A route's audience and the answers a permitted person may get to GET and POST."""

    def __init__(self, audience, get=(200,), post=(405,), args=()):
        self.audience, self.get, self.post, self.args = audience, set(get), set(post), args


MATRIX = {
    "core:home": R(PUBLIC),
    "core:healthz": R(PUBLIC, get=(200, 503)),
    "core:dashboard": R(ANY_SIGNED_IN),
    "core:accessibility": R(PUBLIC),
    "core:privacy": R(PUBLIC),
    "core:cookies": R(PUBLIC),
    "core:contact": R(PUBLIC),
    "accounts:sign-in": R(PUBLIC, post=(200,)),
    # Mid-MFA gets the code page; everyone else is sent back to the password step.
    "accounts:sign-in-mfa": R(PUBLIC, get=(200, 302), post=(200, 302)),
    # NHS CIS2 is not configured in the tests: nothing answers (tests/accounts/test_cis2.py).
    "accounts:sign-in-cis2": R(PUBLIC, get=(404,), post=(404,)),
    "accounts:sign-in-cis2-callback": R(PUBLIC, get=(404,), post=(404,)),
    "accounts:sign-out": R(ANY_SIGNED_IN, get=(405,), post=(302,)),
    # Eight POSTs from one address: past RATE_LIMIT_PASSWORD_RESET the answer is 429.
    "accounts:forgotten-password": R(PUBLIC, post=(200, 429)),
    "accounts:forgotten-password-sent": R(PUBLIC),
    "accounts:reset-password": R(PUBLIC, post=(200,), args=("reset_token",)),
    "accounts:activate": R(PUBLIC, post=(200,), args=("invitation_token",)),
    "accounts:activate-mfa": R(PUBLIC, get=(302,), post=(302,), args=("invitation_token",)),
    # Its primary contact sees the people too; only managers remove access.
    "accounts:people": R(MANAGERS_OF_A | {"primary_contact"}, args=("code_a",)),
    "accounts:revoke": R(MANAGERS_OF_A, post=(200,), args=("code_a", "submitter_id")),
    "accounts:invitations": R(DESK),
    "accounts:reset-authenticator": R(
        DESK, get=(405,), post=(302,), args=("code_a", "submitter_id")
    ),
    "accounts:reinvite": R(DESK, get=(405,), post=(302,), args=("invitation_id",)),
    # The organisation's registered Caldicott Guardian, and nobody else.
    "accounts:guardian": R({"guardian"}, args=("code_a",)),
    "certificates:apply-start": R(PUBLIC),
    "certificates:apply-organisation": R(PUBLIC, post=(200,)),
    "certificates:apply-primary-contact": R(PUBLIC, get=(200, 302), post=(200, 302)),
    "certificates:apply-users": R(PUBLIC, get=(200, 302), post=(200, 302)),
    "certificates:apply-user-add": R(PUBLIC, get=(200, 302), post=(200, 302)),
    "certificates:apply-user-change": R(PUBLIC, get=(200, 302), post=(200, 302), args=("1",)),
    "certificates:apply-guardian": R(PUBLIC, get=(200, 302), post=(200, 302)),
    "certificates:apply-check": R(PUBLIC, get=(200, 302), post=(200, 302)),
    "certificates:apply-sent": R(PUBLIC, get=(200, 302)),
    "certificates:apply-progress": R(PUBLIC, post=(200,)),
    "certificates:guardian-review": R(PUBLIC, post=(200, 400), args=("guardian_token",)),
    "certificates:contacts-request": R(PUBLIC, post=(200,)),
    "certificates:contacts-request-sent": R(PUBLIC, get=(200, 302)),
    # A real link: whoever opens it sees the button; the first POST discloses, later ones
    # find it used (410). A made-up link: tests/certificates/test_disclosure.py.
    "certificates:contacts-disclosure": R(
        PUBLIC, get=(200, 410), post=(200, 410), args=("disclosure_token",)
    ),
    "certificates:queue": R(DESK),
    "certificates:paper": R(DESK, post=(200,)),
    "certificates:application": R(DESK, args=("application_id",)),
    "certificates:approve": R(DESK, get=(405,), post=(302, 409), args=("application_id",)),
    "certificates:reject": R(DESK, get=(405,), post=(400,), args=("application_id",)),
    "certificates:resend-guardian-link": R(DESK, get=(405,), post=(302,), args=("application_id",)),
    "certificates:scan": R(DESK, args=("paper_application_id",)),
    "certificates:guardians": R(DESK, post=(200,)),
    "certificates:guardians-import": R(DESK, post=(200,)),
    "notify:outbox": R(DESK),
    "notify:outbox-message": R(DESK, args=("outbox_message_id",)),
    "publications:index": R(PUBLIC),
    "publications:calendar": R(PUBLIC),
    # A real release (the `release` fixture), its tables, charts and providers.
    "publications:release": R(PUBLIC, args=("release_slug",)),
    "publications:table-download": R(PUBLIC, args=("release_slug", "release_table", "csv")),
    "publications:chart": R(PUBLIC, args=("release_slug", "monthly")),
    "publications:providers": R(PUBLIC, args=("release_slug",)),
    "publications:provider": R(PUBLIC, args=("release_slug", "release_provider")),
    "publications:table-1-download": R(PUBLIC, args=("release_slug", "csv")),
    "publications:quality-index": R(ANY_SIGNED_IN),
    # Its people, and the desk (A has accepted data); nobody else.
    "publications:quality": R(PEOPLE_OF_A | DESK, args=("code_a",)),
    "submissions:history": R(ANY_SIGNED_IN),
    # Submitters go on to choose a period; a primary contact to the organisation's files.
    "submissions:start": R(SUBMITTERS | {"primary_contact"}, get=(302,), post=(302,)),
    "submissions:period": R(SUBMITTER_OF_A, post=(200,), args=("code_a",)),
    "submissions:upload": R(SUBMITTER_OF_A, post=(400,), args=("code_a", "period")),
    "submissions:detail": R(SUBMITTER_OF_A, args=("submission_id",)),
    # Only a file waiting for confirmation has a decision to make; this one is accepted.
    "submissions:replace": R(SUBMITTER_OF_A, get=(302,), post=(302,), args=("submission_id",)),
    "submissions:status": R(SUBMITTER_OF_A, args=("submission_id",)),
    "submissions:issues-csv": R(SUBMITTER_OF_A, args=("submission_id",)),
    "submissions:records-csv": R(SUBMITTER_OF_A, args=("submission_id",)),
    "submissions:api-tokens": R(SUBMITTERS, post=(200,)),
    "submissions:api-token-revoke": R(
        SUBMITTER_OF_A, get=(405,), post=(302,), args=("api_token_id",)
    ),
    "submissions:desk-overview": R(DESK),
    "submissions:desk-non-submitters": R(DESK),
    "submissions:desk-send-reminders": R(DESK, get=(405,), post=(302,)),
    "submissions:desk-authorities": R(DESK, post=(400,)),  # an empty form: its errors
    # A real relationship (A submits for B); the desk's POST ends it, and ends it again.
    "submissions:desk-authority-end": R(DESK, get=(405,), post=(302,), args=("authority_id",)),
    "operations:metrics": R(DESK),
}
# The REST API (token in the Authorization header, never the session).
API_MATRIX = {
    "api:submit": R(SUBMITTERS, get=(405,), post=(422,)),
    "api:submission": R(SUBMITTER_OF_A, args=("submission_id",)),
    "api:report": R(SUBMITTER_OF_A, args=("submission_id",)),
    # The schema is for any token holder (the middleware wants a token for all of /api/).
    "api:api-root": R(ANY_SIGNED_IN, get=(404,), post=(404,)),
    "api:schema": R(ANY_SIGNED_IN),
    "api:openapi-json": R(ANY_SIGNED_IN, post=(200,)),
}


@pytest.fixture
def world(db, settings):
    """Two trusts and a person in every role, with real objects for the URLs."""
    from portal.accounts import recovery
    from portal.accounts import services as accounts
    from portal.accounts.roles import Role
    from portal.accounts.views.sign_in import PENDING
    from portal.certificates import services as certificates
    from portal.certificates.disclosure import request_contacts
    from portal.notify.models import OutboxMessage
    from portal.submissions import services as submissions
    from portal.submissions import tokens
    from portal.submissions.authority import record_authority
    from tests.accounts.factories import UserFactory, grant, with_totp
    from tests.certificates.factories import GuardianFactory, content, emails_to, link_in
    from tests.submissions.factories import (
        TrustFactory,
        outcome,
        received_submission,
        submitter_for,
    )

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    a, b = TrustFactory(code="RX1"), TrustFactory(code="RY2")
    desk = UserFactory()
    grant(desk, Role.SERVICE_DESK)
    people = {
        "submitter": submitter_for(a),
        "other_submitter": submitter_for(b),
        "primary_contact": UserFactory(),
        "guardian": UserFactory(),
        "service_desk": desk,
        "revoked": submitter_for(a),
    }
    grant(people["primary_contact"], Role.PRIMARY_CONTACT, a)
    grant(people["guardian"], Role.CALDICOTT_GUARDIAN, a)
    registered = GuardianFactory(organisation=a, email=people["guardian"].email)

    submission = received_submission(people["submitter"], a)
    submissions.start_validation(submission.pk)
    submissions.store_outcome(submission, outcome())
    api_tokens = {role: tokens.create(person, "matrix")[1] for role, person in people.items()}
    with_totp(people["submitter"])
    invitee = UserFactory(is_active=False)
    grant(invitee, Role.SUBMITTER, a)
    invitation = accounts.send_invitation(invitee, organisation=a, actor=desk)
    application, guardian_link = certificates.submit_online(
        content(registered, changes_primary_contact=True)
    )

    clients = {}
    for role in ROLES:
        clients[role] = Client()
        if role in people:
            clients[role].force_login(people[role])
    session = clients["mid_mfa"].session
    session[PENDING] = {
        "user": people["submitter"].pk,
        "at": timezone.now().timestamp(),
        "next": "",
    }
    session.save()
    reset = recovery.request_reset(people["submitter"].email, ip_address=None)
    request_contacts(a.code, ip_address=None)
    [disclosure_email] = emails_to(registered.email)[-1:]
    authority = record_authority(desk, a, b, datetime.date(2026, 11, 1), None)
    paper = certificates.record_paper(
        content(GuardianFactory(organisation=b)),
        scan=SimpleUploadedFile("duc.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"),
        verification_method="emailed_from_registered_address",
        verification_notes="Email of 3 March 2026",
        confirms_primary_contact_change=False,
        actor=desk,
    )
    # Revoked after signing in: the session and the token stop working.
    accounts.revoke(people["revoked"], a, actor=desk, reason="Left the trust")

    values = {
        "code_a": a.code,
        "period": "2026-10",
        "submitter_id": people["submitter"].pk,
        "invitation_token": invitation.raw_token,
        "reset_token": reset.raw_token,
        "invitation_id": invitation.pk,
        "guardian_token": guardian_link.rsplit("/", 1)[-1],
        "application_id": application.pk,
        "outbox_message_id": OutboxMessage.objects.order_by("id").first().pk,
        "submission_id": submission.pk,
        "api_token_id": people["submitter"].api_tokens.get().pk,
        "disclosure_token": link_in(disclosure_email, kind="contacts"),
        "authority_id": authority.pk,
        "paper_application_id": paper.pk,
    }
    return {"clients": clients, "people": people, "tokens": api_tokens, "values": values}


def _expected(route: R, role: str, method: str, *, api: bool) -> set[int]:
    permitted = route.get if method == "get" else route.post
    if role in route.audience:
        return permitted
    if api and role not in SIGNED_IN:
        return {401}
    if role not in SIGNED_IN:
        return {302}
    # A method the route never accepts may be refused as such: that reveals nothing.
    return {404, 405} if permitted == {405} else {404}


def _path(name, route, values):
    args = [values.get(arg, arg) for arg in route.args]
    return reverse(name, args=args)


NAMED_ROUTES = sorted({name for _, name in ALL_ROUTES if name})


def test_the_matrix_declares_every_route():
    assert set(NAMED_ROUTES) == set(MATRIX) | set(API_MATRIX)
    assert all(name for _, name in ALL_ROUTES), "every URL pattern has a name"


@pytest.fixture
def release(db):
    """A small real statistics release (one provider, one month), for the public pages."""
    from did.publish.periods import monthly_window
    from portal.publications import services
    from tests.publications.factories import store_records

    store_records(["2026-09"], ["RR8"], 40)
    published, _ = services.publish_release(monthly_window("2026-09"))
    return {
        "release_slug": published.slug,
        "release_table": published.table_names[0],
        "release_provider": "RR8",
    }


@pytest.mark.parametrize("name", NAMED_ROUTES)
def test_every_role_gets_only_the_declared_answers(world, name, request):
    api = name in API_MATRIX
    route = API_MATRIX[name] if api else MATRIX[name]
    values = dict(world["values"])
    if any(arg.startswith("release_") for arg in route.args):
        values.update(request.getfixturevalue("release"))
    path = _path(name, route, values)
    wrong = []
    for role in ROLES:
        for method in ("get", "post"):
            client = world["clients"][role]
            headers = {}
            if api and role in world["tokens"]:
                headers["HTTP_AUTHORIZATION"] = f"Bearer {world['tokens'][role]}"
            if name == "accounts:sign-out" and role in SIGNED_IN:
                client = Client()
                client.force_login(world["people"][role])
            response = getattr(client, method)(path, **headers)
            expected = _expected(route, role, method, api=api)
            if response.status_code not in expected:
                wrong.append(
                    f"{role} {method.upper()} {path}: {response.status_code}, not {expected}"
                )
            elif response.status_code == 302 and role not in route.audience:
                login = reverse(settings.LOGIN_URL)
                if not response.url.startswith(login):
                    wrong.append(f"{role} {method.upper()} {path} went to {response.url}")
    assert not wrong, "\n".join(wrong)
