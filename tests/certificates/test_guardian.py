"""The guardian's digital signature: a single-use, expiring link to the registered address."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from portal.audit.models import AuditEntry
from portal.certificates import services
from portal.certificates.models import Authorisation, GuardianLink, State
from portal.certificates.rules import content_hash, hash_token
from tests.certificates.factories import GuardianFactory, content, emails_to, link_in, person
from tests.organisations.factories import TrustFactory

pytestmark = pytest.mark.django_db

UA = "Mozilla/5.0 (X11; Linux) Test browser"


@pytest.fixture
def guardian():
    trust = TrustFactory(code="RR8", name="LEEDS TEACHING HOSPITALS NHS TRUST")
    return GuardianFactory(organisation=trust, name="Dr Jane Smith", email="jane.smith@nhs.net")


@pytest.fixture
def submitted(guardian):
    application, _ = services.submit_online(content(guardian))
    (message,) = emails_to(guardian.email)
    return application, link_in(message)


def _authorise(client, token, name="Dr Jane Smith", **extra):
    return client.post(
        f"/guardian/{token}",
        {"action": "authorise", "typed_name": name, **extra},
        HTTP_USER_AGENT=UA,
        REMOTE_ADDR="192.0.2.10",
    )


def test_the_guardian_sees_the_exact_content_and_its_fingerprint(client, submitted):
    application, token = submitted
    response = client.get(f"/guardian/{token}")
    html = response.content.decode()
    assert response.status_code == 200
    for p in application.people:
        assert p["email"] in html and p["name"] in html
    assert content_hash(application.content) in html
    assert response["Cache-Control"] == "no-store"
    # Not "no-referrer": that makes browsers post "Origin: null", which CSRF refuses.
    assert response["Referrer-Policy"] == "same-origin"


def test_only_the_tokens_hash_is_stored(submitted):
    application, token = submitted
    link = GuardianLink.objects.get(application=application)
    assert link.token_hash == hash_token(token)
    assert token not in link.token_hash
    assert not GuardianLink.objects.filter(token_hash=token).exists()


def test_authorising_records_who_when_where_and_the_hash_of_what_was_signed(client, submitted):
    application, token = submitted
    response = _authorise(client, token, name="  dr jane   SMITH ")
    assert response.status_code == 200
    assert "Certificate authorised" in response.content.decode()
    authorisation = Authorisation.objects.get(application=application)
    assert authorisation.guardian == application.guardian
    assert authorisation.ip_address == "192.0.2.10"
    assert authorisation.user_agent == UA
    assert authorisation.content_hash == content_hash(application.content)
    assert authorisation.authorised_at is not None
    application.refresh_from_db()
    assert application.state == State.AWAITING_DESK
    last = application.statuses.last()
    assert last.actor_label == "Caldicott Guardian: Dr Jane Smith <jane.smith@nhs.net>"
    assert AuditEntry.objects.filter(
        action="certificates.application_awaiting_desk", target=application.reference
    ).exists()


def test_a_name_that_does_not_match_the_register_does_not_sign(client, submitted):
    application, token = submitted
    response = _authorise(client, token, name="Jane Smyth")
    html = response.content.decode()
    assert "There is a problem" in html
    assert "Type your name exactly as it is registered with ODS" in html
    assert not Authorisation.objects.exists()
    application.refresh_from_db()
    assert application.state == State.AWAITING_GUARDIAN


def test_the_link_works_only_once(client, submitted):
    _, token = submitted
    assert _authorise(client, token).status_code == 200
    again = client.get(f"/guardian/{token}")
    assert again.status_code == 410
    assert "already been used" in again.content.decode()
    assert _authorise(client, token).status_code == 410
    assert Authorisation.objects.count() == 1


def test_the_link_expires_after_seven_days(client, guardian):
    with time_machine.travel(datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC), tick=False):
        services.submit_online(content(guardian))
        token = link_in(emails_to(guardian.email)[0])
    with time_machine.travel(datetime.datetime(2026, 3, 9, 8, 59, tzinfo=datetime.UTC), tick=False):
        assert client.get(f"/guardian/{token}").status_code == 200
    with time_machine.travel(datetime.datetime(2026, 3, 9, 9, 0, tzinfo=datetime.UTC), tick=False):
        response = client.get(f"/guardian/{token}")
        assert response.status_code == 410
        assert "This link has expired" in response.content.decode()
        assert _authorise(client, token).status_code == 410
    assert not Authorisation.objects.exists()


def test_the_link_lifetime_is_configurable(client, guardian, settings):
    settings.GUARDIAN_LINK_VALID_FOR = datetime.timedelta(days=2)
    services.submit_online(content(guardian))
    link = GuardianLink.objects.get()
    assert link.expires_at - link.created_at == datetime.timedelta(days=2)


def test_an_unknown_link_reveals_nothing(client, db):
    response = client.get("/guardian/not-a-real-token")
    assert response.status_code == 404
    assert "not recognised" in response.content.decode()


def test_a_change_of_primary_contact_needs_the_guardians_explicit_confirmation(client, guardian):
    people = [person(0, primary_contact=True), person(1)]
    application, _ = services.submit_online(
        content(guardian, people=people, changes_primary_contact=True)
    )
    token = link_in(emails_to(guardian.email)[0])
    page = client.get(f"/guardian/{token}").content.decode()
    assert "This changes your primary contact" in page
    response = _authorise(client, token)
    assert "Confirm the change of primary contact" in response.content.decode()
    assert not Authorisation.objects.exists()
    response = _authorise(client, token, confirms_primary_contact_change="on")
    assert "Certificate authorised" in response.content.decode()
    assert Authorisation.objects.get().confirmed_primary_contact_change is True


def test_the_guardian_can_decline_with_a_reason(client, submitted):
    application, token = submitted
    response = client.post(f"/guardian/{token}", {"action": "decline", "decline-reason": ""})
    assert "Enter why you are declining this application" in response.content.decode()
    response = client.post(
        f"/guardian/{token}", {"action": "decline", "decline-reason": "Person 2 has left"}
    )
    assert "Application declined" in response.content.decode()
    application.refresh_from_db()
    assert application.state == State.DECLINED
    assert application.statuses.last().reason == "Person 2 has left"
    assert client.get(f"/guardian/{token}").status_code == 410


def test_a_guardian_whose_registration_ended_cannot_sign(client, submitted, guardian):
    _, token = submitted
    guardian.registered_to = timezone.localdate() - datetime.timedelta(days=1)
    guardian.save()
    response = _authorise(client, token)
    assert "no longer registered" in response.content.decode()
    assert not Authorisation.objects.exists()


def test_a_changed_application_voids_the_signature_and_goes_back_to_the_guardian(
    client, submitted, guardian, service_desk_user
):
    application, token = submitted
    _authorise(client, token)
    changed = content(guardian)
    changed["people"][1]["telephone"] = "0113 496 9999"
    services.change_content(
        application, changed, actor=service_desk_user, reason="Corrected a telephone number"
    )
    application.refresh_from_db()
    assert application.state == State.AWAITING_GUARDIAN
    assert [s.state for s in application.statuses.all()][-2:] == [
        State.VOIDED,
        State.AWAITING_GUARDIAN,
    ]
    assert Authorisation.objects.get().voided_at is not None
    assert application.current_authorisation() is None
    # A new link went to the registered address; the new content can be signed.
    messages = emails_to(guardian.email)
    assert len(messages) == 2
    new_token = link_in(messages[-1])
    assert new_token != token
    assert "0113 496 9999" in client.get(f"/guardian/{new_token}").content.decode()
    _authorise(client, new_token)
    assert application.current_authorisation().content_hash == content_hash(
        changed
        | {
            "organisation": application.content["organisation"],
            "guardian": application.content["guardian"],
        }
    )


def test_an_older_link_stops_working_when_a_new_one_is_sent(client, submitted):
    application, token = submitted
    services.issue_guardian_link(application)
    response = client.get(f"/guardian/{token}")
    assert response.status_code == 410
    assert "replaced by a newer one" in response.content.decode()


def test_the_guardian_may_sign_without_the_title_the_register_gives(client, submitted):
    application, token = submitted
    response = _authorise(client, token, name="  jane   SMITH ")
    assert "Certificate authorised" in response.content.decode()
