"""Recovery (issue 15): a forgotten password by emailed link, time-limited, single use,
audited, rate-limited, with the same answer whether or not the address has an account."""

import re

import pytest
import time_machine
from django.utils import timezone

from portal.accounts.models import User
from portal.audit.models import AuditEntry
from tests.accounts.factories import PASSWORD, UserFactory, with_totp
from tests.certificates.factories import emails_to

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-new-long-passphrase-for-did"  # noqa: S105


def _ask(client, email, **extra):
    return client.post("/sign-in/forgotten-password", {"email": email}, **extra)


def _link(email):
    (message,) = [m for m in emails_to(email) if m.template_name == "password-reset"]
    return re.search(r"https?://\S+(/reset-password/\S+)", message.body).group(1)


def _reset(client, path, password=NEW_PASSWORD):
    return client.post(path, {"new_password": password, "confirm_password": password})


def test_the_answer_is_the_same_whether_or_not_the_address_has_an_account(client):
    user = with_totp(UserFactory())
    known, unknown = _ask(client, user.email), _ask(client, "nobody@example.nhs.uk")
    assert known.status_code == unknown.status_code == 302
    assert known.url == unknown.url == "/sign-in/forgotten-password/sent"
    assert len(emails_to(user.email)) == 1
    assert emails_to("nobody@example.nhs.uk") == []
    page = client.get(known.url).content.decode()
    assert "If the address you gave has an account" in page
    logged = AuditEntry.objects.filter(action="accounts.password_reset_requested")
    assert sorted(e.details["account_found"] for e in logged) == [False, True]


def test_the_link_sets_a_new_password_once_and_ends_other_sessions(client):
    user = with_totp(UserFactory())
    elsewhere = client.__class__()
    elsewhere.force_login(user)
    _ask(client, user.email)
    path = _link(user.email)
    assert client.get(path).status_code == 200
    response = _reset(client, path)
    assert response.url == "/sign-in"
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD) and not user.check_password(PASSWORD)
    assert AuditEntry.objects.filter(action="accounts.password_reset", target=user.email).exists()
    # Used once: the same link does nothing now.
    again = _reset(client, path, "yet-another-long-passphrase")
    assert again.status_code == 410
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert elsewhere.get("/account/").status_code == 302  # signed out there


def test_the_link_expires_and_a_newer_link_replaces_an_older_one(client, settings):
    user = with_totp(UserFactory())
    _ask(client, user.email)
    first = _link(user.email)
    with time_machine.travel(timezone.now() + settings.PASSWORD_RESET_VALID_FOR):
        assert client.get(first).status_code == 410
    [message] = emails_to(user.email)
    message.delete()
    _ask(client, user.email)
    second = _link(user.email)
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200


def test_a_person_who_has_not_set_up_their_account_gets_no_link(client):
    invitee = UserFactory(is_active=False)
    _ask(client, invitee.email)
    assert emails_to(invitee.email) == []


def test_asking_is_rate_limited_per_address(client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "password-reset": "2/h"}
    with time_machine.travel(timezone.now(), tick=False):
        answers = [_ask(client, f"p{n}@example.nhs.uk").status_code for n in range(3)]
    assert answers == [302, 302, 429]


def test_a_made_up_link_reveals_nothing(client):
    assert client.get("/reset-password/made-up").status_code == 404
    assert not User.objects.exists()


def test_the_sign_in_page_offers_the_way_to_reset(client):
    page = client.get("/sign-in").content.decode()
    assert 'href="/sign-in/forgotten-password"' in page


# ---------------------------------------------------------------- a lost authenticator


def test_the_desk_resets_a_lost_authenticator_and_the_person_enrols_again(
    client, organisation, service_desk_user
):
    from portal.accounts.roles import Role
    from tests.accounts.factories import grant

    person = with_totp(UserFactory())
    grant(person, Role.SUBMITTER, organisation)
    their_session = client.__class__()
    their_session.force_login(person)
    client.force_login(service_desk_user)
    page = client.get(f"/organisations/{organisation.code}/people").content.decode()
    assert "Reset authenticator" in page
    response = client.post(
        f"/organisations/{organisation.code}/people/{person.pk}/reset-authenticator"
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert not person.has_confirmed_totp
    assert their_session.get("/account/").status_code == 302  # signed out
    entry = AuditEntry.objects.get(action="accounts.authenticator_reset")
    assert entry.actor == service_desk_user and entry.target == person.email
    (invitation,) = [m for m in emails_to(person.email) if m.template_name == "invitation"]
    path = re.search(r"https?://\S+(/activate/\S+)", invitation.body).group(1)
    assert client.get(path).status_code == 200  # sets a password, then a new authenticator
    # Until then the old password alone does not sign them in.
    fresh = client.__class__()
    answer = fresh.post("/sign-in", {"email": person.email, "password": PASSWORD})
    assert "has not been set up with an authenticator app" in answer.content.decode()


def test_only_the_desk_can_reset_an_authenticator(client, organisation):
    from portal.accounts.roles import Role
    from tests.accounts.factories import grant

    person = with_totp(UserFactory())
    grant(person, Role.SUBMITTER, organisation)
    guardian = UserFactory()
    grant(guardian, Role.CALDICOTT_GUARDIAN, organisation)
    client.force_login(guardian)
    response = client.post(
        f"/organisations/{organisation.code}/people/{person.pk}/reset-authenticator"
    )
    assert response.status_code == 404
    person.refresh_from_db()
    assert person.has_confirmed_totp
