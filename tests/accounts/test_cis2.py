"""NHS CIS2 sign-in end to end against a real OpenID Connect provider on loopback
(oidc-provider-mock, serving discovery, keys, authorise and token endpoints), ADR 077."""

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import time_machine
from django.contrib.auth import SESSION_KEY
from django.urls import reverse
from oidc_provider_mock import run_server_in_thread

from portal.accounts.models import User
from portal.accounts.views.sign_in import PENDING
from portal.audit.models import AuditEntry
from tests.accounts.factories import UserFactory, with_totp

CLIENT_ID = "did-portal"
REDIRECT_URI = "http://testserver/sign-in/cis2/callback"


@pytest.fixture(scope="module")
def provider():
    """A real OpenID provider on a free loopback port; its issuer is its own address."""
    with run_server_in_thread(port=0) as server:
        yield f"http://127.0.0.1:{server.server_port}"


@pytest.fixture(scope="module")
def expiring_provider():
    """A provider whose ID tokens expired an hour before they were issued."""
    with run_server_in_thread(port=0, access_token_max_age=timedelta(hours=-1)) as server:
        yield f"http://127.0.0.1:{server.server_port}"


def configure(settings, url, *, issuer=None):
    settings.CIS2_ENABLED = True
    settings.CIS2_ISSUER = issuer or url
    settings.CIS2_DISCOVERY_URL = f"{url}/.well-known/openid-configuration"
    settings.CIS2_CLIENT_ID = CLIENT_ID
    settings.CIS2_CLIENT_SECRET = "not-a-real-secret"  # noqa: S105
    settings.CIS2_REDIRECT_URI = REDIRECT_URI
    settings.CIS2_SCOPES = "openid email profile"


@pytest.fixture
def cis2(settings, provider):
    configure(settings, provider)
    return provider


def go_to_cis2(client, next_url=""):
    start = client.get(reverse("accounts:sign-in-cis2") + (f"?next={next_url}" if next_url else ""))
    assert start.status_code == 302
    return start["Location"]


def sign_in_at_cis2(client, provider_url, subject, claims, *, next_url=""):
    """What the browser does: portal -> CIS2 (the person signs in) -> portal callback.
    The ID token says the sign-in was at AAL2 or above, as CIS2's do, unless `claims` says
    otherwise (None: no such claim)."""
    claims = {k: v for k, v in {"acr": "AAL2_OR_AAL3_ANY", **claims}.items() if v is not None}
    requests.put(f"{provider_url}/users/{subject}", json=claims, timeout=5).raise_for_status()
    authorise = go_to_cis2(client, next_url)
    answer = requests.post(authorise, data={"sub": subject}, allow_redirects=False, timeout=5)
    assert answer.status_code == 302, answer.text
    back = urlsplit(answer.headers["Location"])
    assert f"http://testserver{back.path}" == REDIRECT_URI
    return client.get(f"{back.path}?{back.query}")


def refusals():
    return list(AuditEntry.objects.filter(action="accounts.cis2_refused"))


def test_a_known_person_signs_in_without_a_portal_code_and_is_linked(client, db, cis2):
    person = with_totp(UserFactory(email="ana.lee@example.nhs.uk"))

    response = sign_in_at_cis2(client, cis2, "cis2-ana", {"email": "Ana.Lee@example.nhs.uk"})

    assert response.status_code == 302
    assert response["Location"] == reverse("core:dashboard")
    assert client.session[SESSION_KEY] == str(person.pk)
    assert PENDING not in client.session  # no TOTP step
    assert client.get(reverse("core:dashboard")).status_code == 200
    person.refresh_from_db()
    assert person.cis2_subject == "cis2-ana"
    sign_in = AuditEntry.objects.get(action="accounts.sign_in")
    assert sign_in.actor == person and sign_in.details == {"provider": "cis2"}
    assert AuditEntry.objects.filter(action="accounts.cis2_linked", actor=person).exists()


def test_the_authorisation_request_uses_pkce_state_and_nonce(client, db, cis2):
    query = parse_qs(urlsplit(go_to_cis2(client)).query)

    assert query["response_type"] == ["code"]
    assert query["client_id"] == [CLIENT_ID]
    assert query["redirect_uri"] == [REDIRECT_URI]
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) == 43  # base64url of a SHA-256
    assert query["state"][0] and query["nonce"][0]


def test_once_linked_the_subject_finds_the_person_whatever_the_email(client, db, cis2):
    person = UserFactory(email="new.name@example.nhs.uk", cis2_subject="cis2-linked")

    response = sign_in_at_cis2(client, cis2, "cis2-linked", {"email": "old@example.nhs.uk"})

    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(person.pk)


def test_an_email_linked_to_another_cis2_identity_is_refused(client, db, cis2):
    UserFactory(email="taken@example.nhs.uk", cis2_subject="cis2-owner")

    response = sign_in_at_cis2(client, cis2, "cis2-impostor", {"email": "taken@example.nhs.uk"})

    assert response.status_code == 403
    assert SESSION_KEY not in client.session
    assert User.objects.get(email="taken@example.nhs.uk").cis2_subject == "cis2-owner"


def test_a_person_unknown_to_the_portal_is_told_how_to_get_access(client, db, cis2):
    people = User.objects.count()

    response = sign_in_at_cis2(client, cis2, "cis2-stranger", {"email": "stranger@example.nhs.uk"})

    assert response.status_code == 403
    page = response.content.decode()
    assert "You do not have access to this service yet" in page
    assert "Caldicott Guardian" in page
    assert SESSION_KEY not in client.session
    assert User.objects.count() == people  # nothing created
    [refusal] = refusals()
    assert refusal.details == {"reason": "not a portal user"}


def test_a_revoked_person_is_refused(client, db, cis2):
    person = with_totp(UserFactory(email="gone@example.nhs.uk"))
    User.objects.filter(pk=person.pk).update(is_active=False)

    response = sign_in_at_cis2(client, cis2, "cis2-gone", {"email": "gone@example.nhs.uk"})

    assert response.status_code == 403
    assert "Your access has ended" in response.content.decode()
    assert SESSION_KEY not in client.session


def test_an_id_token_from_another_issuer_is_refused(client, db, settings, provider):
    # The provider issues tokens as http://127.0.0.1:<port>; the portal expects localhost.
    port = urlsplit(provider).port
    configure(settings, provider, issuer=f"http://localhost:{port}")
    with_totp(UserFactory(email="ana.lee@example.nhs.uk"))

    response = sign_in_at_cis2(client, provider, "cis2-ana-2", {"email": "ana.lee@example.nhs.uk"})

    assert response.status_code == 403
    assert "We could not sign you in" in response.content.decode()
    assert SESSION_KEY not in client.session
    [refusal] = refusals()
    assert refusal.details["reason"].startswith("ID token: invalid_claim")
    assert "iss" in refusal.details["reason"]


def test_an_expired_id_token_is_refused(client, db, settings, expiring_provider):
    configure(settings, expiring_provider)
    with_totp(UserFactory(email="ana.lee@example.nhs.uk"))

    response = sign_in_at_cis2(
        client, expiring_provider, "cis2-ana-3", {"email": "ana.lee@example.nhs.uk"}
    )

    assert response.status_code == 403
    assert SESSION_KEY not in client.session
    [refusal] = refusals()
    assert refusal.details["reason"].startswith("ID token: expired_token")


def test_a_callback_whose_state_does_not_match_is_refused(client, db, cis2):
    with_totp(UserFactory(email="ana.lee@example.nhs.uk"))
    requests.put(
        f"{cis2}/users/cis2-ana-4", json={"email": "ana.lee@example.nhs.uk"}, timeout=5
    ).raise_for_status()
    authorise = go_to_cis2(client)
    answer = requests.post(authorise, data={"sub": "cis2-ana-4"}, allow_redirects=False, timeout=5)
    query = parse_qs(urlsplit(answer.headers["Location"]).query)

    response = client.get(
        reverse("accounts:sign-in-cis2-callback"), {"code": query["code"][0], "state": "forged"}
    )

    assert response.status_code == 403
    assert SESSION_KEY not in client.session
    assert refusals()[0].details == {"reason": "state does not match"}


def test_a_callback_without_a_sign_in_in_progress_is_refused(client, db, cis2):
    response = client.get(reverse("accounts:sign-in-cis2-callback"), {"code": "x", "state": "y"})

    assert response.status_code == 403
    assert SESSION_KEY not in client.session


def test_the_sign_in_page_offers_cis2_when_configured(client, db, cis2):
    page = client.get(reverse("accounts:sign-in")).content.decode()

    assert "Sign in with NHS CIS2" in page
    assert reverse("accounts:sign-in-cis2") in page


def test_without_configuration_nothing_answers_and_no_button_shows(client, db, settings):
    assert settings.CIS2_ENABLED is False  # the default

    assert client.get(reverse("accounts:sign-in-cis2")).status_code == 404
    assert client.post(reverse("accounts:sign-in-cis2")).status_code == 404
    assert client.get(reverse("accounts:sign-in-cis2-callback")).status_code == 404
    assert "CIS2" not in client.get(reverse("accounts:sign-in")).content.decode()


def test_cis2_unreachable_gets_a_plain_page(client, db, settings):
    configure(settings, "http://127.0.0.1:9")  # nothing listens on the discard port

    response = client.get(reverse("accounts:sign-in-cis2"))

    assert response.status_code == 503
    assert "there is a problem with NHS CIS2" in response.content.decode()


# --- authentication assurance (acr) and the cached discovery document ----------------------


def test_the_authorisation_request_asks_for_the_configured_assurance(client, db, cis2, settings):
    settings.CIS2_ACR_VALUES = "AAL3_ANY"

    query = parse_qs(urlsplit(go_to_cis2(client)).query)

    assert query["acr_values"] == ["AAL3_ANY"]


@pytest.mark.parametrize("acr", ["AAL2_OR_AAL3_ANY", "AAL3_ANY"])
def test_an_id_token_at_an_accepted_assurance_signs_in(client, db, cis2, acr):
    person = with_totp(UserFactory(email="ana.lee@example.nhs.uk"))

    response = sign_in_at_cis2(
        client, cis2, f"cis2-{acr}", {"email": "ana.lee@example.nhs.uk", "acr": acr}
    )

    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(person.pk)


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"acr": "AAL1_USERPASS"}, "authentication assurance: acr AAL1_USERPASS not accepted"),
        ({"acr": None}, "authentication assurance: acr none not accepted"),
    ],
)
def test_an_id_token_below_the_required_assurance_is_refused(client, db, cis2, claims, reason):
    with_totp(UserFactory(email="ana.lee@example.nhs.uk"))

    response = sign_in_at_cis2(
        client, cis2, "cis2-weak", {"email": "ana.lee@example.nhs.uk", **claims}
    )

    assert response.status_code == 403
    assert "Sign in with a stronger authenticator" in response.content.decode()
    assert SESSION_KEY not in client.session
    assert [r.details for r in refusals()] == [{"reason": reason}]


def test_an_aal2_sign_in_is_refused_where_aal3_is_required(client, db, cis2, settings):
    settings.CIS2_ACR_VALUES = "AAL3_ANY"
    settings.CIS2_ACCEPTED_ACR = ["AAL3_ANY"]
    with_totp(UserFactory(email="ana.lee@example.nhs.uk"))

    response = sign_in_at_cis2(
        client, cis2, "cis2-aal2", {"email": "ana.lee@example.nhs.uk", "acr": "AAL2_OR_AAL3_ANY"}
    )

    assert response.status_code == 403
    assert SESSION_KEY not in client.session


def test_the_discovery_document_is_cached_for_its_time_to_live(client, db, settings):
    settings.CIS2_DISCOVERY_CACHE_SECONDS = 600
    with time_machine.travel("2026-12-01 09:00:00", tick=False) as clock:
        with run_server_in_thread(port=0) as server:
            configure(settings, f"http://127.0.0.1:{server.server_port}")
            assert go_to_cis2(client).startswith(settings.CIS2_ISSUER)
        # CIS2's discovery endpoint is gone; within the time to live nothing asks it.
        clock.shift(timedelta(seconds=599))
        assert go_to_cis2(client).startswith(settings.CIS2_ISSUER)
        clock.shift(timedelta(seconds=2))
        response = client.get(reverse("accounts:sign-in-cis2"))
        assert response.status_code == 503  # fetched again, and CIS2 is not there


def test_an_unusable_discovery_document_is_not_cached(client, db, settings):
    configure(settings, "http://127.0.0.1:9")
    assert client.get(reverse("accounts:sign-in-cis2")).status_code == 503
    with run_server_in_thread(port=0) as server:
        url = f"http://127.0.0.1:{server.server_port}"
        settings.CIS2_ISSUER = url
        assert client.get(reverse("accounts:sign-in-cis2")).status_code == 503  # same URL
        configure(settings, url)
        assert client.get(reverse("accounts:sign-in-cis2")).status_code == 302
