"""Throttling behind a proxy (H3), and rate limits on the forms that send email or cost
work (M7): django-axes per account, django-ratelimit per real client address (ADR 071)."""

import threading

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test import RequestFactory
from django.utils import timezone

from portal.accounts.roles import Role
from portal.certificates.models import Application
from portal.core.client import client_ip
from tests.accounts.factories import PASSWORD, UserFactory, grant, with_totp
from tests.certificates.factories import GuardianFactory, emails_to
from tests.organisations.factories import TrustFactory

PROXY = "10.0.0.1"
ATTACKER = "203.0.113.9"
COLLEAGUE = "198.51.100.7"
LOCKED = "too many failed attempts to sign in to this account"
NETWORK = "too many failed attempts to sign in from your network"


@pytest.fixture(autouse=True)
def _one_window():
    """django-ratelimit counts in fixed windows: frozen time keeps each test in one."""
    with time_machine.travel(timezone.now(), tick=False):
        yield


def _sign_in(client, email, password=PASSWORD, via=None):
    extra = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": via} if via else {}
    return client.post("/sign-in", {"email": email, "password": password}, **extra)


def _person():
    user = with_totp(UserFactory())
    grant(user, Role.SUBMITTER, TrustFactory())
    return user


# ---------------------------------------------------------------- the client's address


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, f"{ATTACKER}", PROXY),  # nothing in front: the header is anyone's
        (1, f"{ATTACKER}", ATTACKER),
        (1, f"{COLLEAGUE}, {ATTACKER}", ATTACKER),  # the client wrote the left part
        (2, f"{COLLEAGUE}, {ATTACKER}, 10.0.0.2", ATTACKER),
        (1, "", PROXY),
        (1, "not-an-address", PROXY),
        (1, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_the_client_address_believes_only_the_trusted_proxies(
    settings, proxies, forwarded, expected
):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


# ---------------------------------------------------------------- H3: behind the proxy


@pytest.mark.django_db
def test_failures_from_one_client_behind_the_proxy_do_not_throttle_everyone(client, settings):
    """The attack: 20 sign-ins with random emails through the TLS proxy locked sign-in for
    everyone (the old throttle keyed on the proxy's address)."""
    settings.TRUSTED_PROXY_COUNT = 1
    for n in range(settings.SIGN_IN_MAX_FAILURES_PER_IP):
        _sign_in(client, f"guess{n}@example.nhs.uk", "wrong-password", via=ATTACKER)
    assert NETWORK in _sign_in(client, "guess@example.nhs.uk", via=ATTACKER).content.decode()
    user = _person()
    assert _sign_in(client, user.email, via=COLLEAGUE).url == "/sign-in/code"


@pytest.mark.django_db
def test_a_forged_forwarded_header_does_not_escape_the_throttle(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for n in range(settings.SIGN_IN_MAX_FAILURES_PER_IP):
        # The attacker writes a different "client" each time; the proxy appends the truth.
        _sign_in(client, f"guess{n}@example.nhs.uk", "wrong", via=f"192.0.2.{n}, {ATTACKER}")
    page = _sign_in(client, "guess@example.nhs.uk", via=f"192.0.2.99, {ATTACKER}")
    assert NETWORK in page.content.decode()


@pytest.mark.django_db
def test_locking_one_account_never_locks_another(client):
    target, colleague = _person(), _person()
    for _ in range(5):
        _sign_in(client, target.email, "wrong-password")
    assert LOCKED in _sign_in(client, target.email).content.decode()
    # Same browser, same address: the colleague signs in.
    assert _sign_in(client, colleague.email).url == "/sign-in/code"


@pytest.mark.django_db
def test_the_lock_out_page_is_the_sign_in_page_answering_429(client):
    target = _person()
    responses = [_sign_in(client, target.email, "wrong-password") for _ in range(6)]
    assert responses[-1].status_code == 429
    assert LOCKED in responses[-1].content.decode()
    assert "There is a problem" in responses[-1].content.decode()


@pytest.mark.django_db(transaction=True)
def test_the_shared_counter_increments_atomically_across_threads():
    cache.set("counter", 0, 60)
    errors = []

    def bump():
        try:
            for _ in range(10):
                cache.incr("counter")
        except Exception as error:  # pragma: no cover - shown in the assert
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=bump) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert cache.get("counter") == 80


# ---------------------------------------------------------------- M7 and the other limits


def _apply(client):
    answer = client.post(
        "/apply/organisation", {"applicant_email": "applicant@nhs.net", "ods_code": "RR8"}
    )
    assert answer.status_code == 302
    client.post(
        "/apply/primary-contact",
        {
            "name": "Pat Lee",
            "job_title": "PACS manager",
            "email": "pat.lee@nhs.net",
            "telephone": "0113 496 0001",
        },
    )
    client.post("/apply/users", {"continue": "1"})
    client.post("/apply/guardian", {"name": "Dr Jane Smith", "email": "jane.smith@nhs.net"})
    return client.post("/apply/check")


@pytest.mark.django_db
def test_applications_from_one_address_are_limited_so_a_guardian_is_not_flooded(client, settings):
    """The attack: anonymous /apply/ emailed the named guardian every time (5 in 1.9 s)."""
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "apply": "3/h"}
    trust = TrustFactory(code="RR8", name="LEEDS TEACHING HOSPITALS NHS TRUST")
    GuardianFactory(organisation=trust, name="Dr Jane Smith", email="jane.smith@nhs.net")
    answers = [_apply(client).status_code for _ in range(5)]
    assert answers == [302, 302, 302, 429, 429]
    assert Application.objects.count() == 3
    assert len(emails_to("jane.smith@nhs.net")) == 3
    page = _apply(client)
    assert "Sorry, you have tried this too many times" in page.content.decode()
    assert int(page["Retry-After"]) > 0


@pytest.mark.django_db
def test_the_contacts_lookup_is_rate_limited_per_address(client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "contacts": "2/h"}
    answers = [client.post("/contacts/", {"ods_code": "RR8"}).status_code for _ in range(3)]
    assert answers[-1] == 429
    other = client.post("/contacts/", {"ods_code": "RR8"}, REMOTE_ADDR="198.51.100.4")
    assert other.status_code != 429


@pytest.mark.django_db
def test_the_api_is_rate_limited_per_token_holder(client, settings):
    from portal.submissions import tokens

    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "api": "3/m"}
    user = _person()
    _, token = tokens.create(user, "radiology system")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    answers = [client.get("/api/schema", **auth).status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]


# ---------------------------------------------------------------- recovery: access ended


@pytest.mark.django_db
def test_a_revoked_person_is_told_their_access_ended_only_after_the_right_password(
    client, service_desk_user
):
    from portal.accounts import services

    user = _person()
    organisation = user.memberships.get().organisation
    services.revoke(user, organisation, actor=service_desk_user, reason="Left the trust")
    wrong = _sign_in(client, user.email, "wrong-password").content.decode()
    assert "The email address or password is not correct" in wrong
    assert "has ended" not in wrong
    right = _sign_in(client, user.email).content.decode()
    assert "Your access to Submit Diagnostic Imaging Data has ended" in right
    assert "_auth_user_id" not in client.session
