import datetime
import re

import pyotp
import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

from portal.accounts.roles import Role
from portal.audit.models import AuditEntry
from tests.accounts.factories import PASSWORD, TOTP_SECRET, UserFactory, grant, with_totp

pytestmark = pytest.mark.django_db


def test_the_sign_in_page_uses_nhs_form_fields(client):
    html = client.get("/sign-in").content.decode()
    assert 'class="nhsuk-input"' in html
    assert 'class="nhsuk-label"' in html


def test_blank_fields_are_listed_in_the_error_summary(client):
    response = client.post("/sign-in", {"email": "", "password": ""})
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html
    assert '<a href="#id_email">Enter your email address</a>' in html
    assert '<a href="#id_password">Enter your password</a>' in html
    assert "nhsuk-form-group--error" in html
    assert "<title>Error: Sign in" in html


def test_a_wrong_password_gets_a_message_that_does_not_say_which_part_was_wrong(client):
    user = UserFactory()
    response = client.post("/sign-in", {"email": user.email, "password": "wrong-password"})
    assert "The email address or password is not correct" in response.content.decode()
    assert "_auth_user_id" not in client.session


# Two steps: password, then the TOTP code. Lockout, replay and session expiry.


LOCKED = "There have been too many failed attempts to sign in to this account"


def _code(at=None):
    return pyotp.TOTP(TOTP_SECRET).at(at or timezone.now())


def _password_step(client, email, password=PASSWORD, **extra):
    return client.post("/sign-in", {"email": email, "password": password}, **extra)


def _enrolled_user(organisation=None):
    user = with_totp(UserFactory())
    if organisation is not None:
        grant(user, Role.SUBMITTER, organisation)
    return user


def test_the_right_password_leads_to_the_security_code_step_not_into_the_portal(client):
    user = _enrolled_user()
    response = _password_step(client, user.email)
    assert response.status_code == 302
    assert response.url == "/sign-in/code"
    assert "_auth_user_id" not in client.session
    assert client.get("/account/").status_code == 302


def test_email_password_and_code_sign_the_person_in(client):
    user = _enrolled_user()
    _password_step(client, user.email.upper())
    response = client.post("/sign-in/code", {"code": _code()})
    assert response.status_code == 302 and response.url == "/account/"
    assert client.session["_auth_user_id"] == str(user.pk)
    assert client.get("/account/").status_code == 200
    entry = AuditEntry.objects.get(action="accounts.sign_in")
    assert entry.actor == user and entry.details == {"provider": "local"}


def test_a_wrong_security_code_is_refused(client):
    user = _enrolled_user()
    _password_step(client, user.email)
    wrong = f"{(int(_code()) + 1) % 1_000_000:06d}"
    response = client.post("/sign-in/code", {"code": wrong})
    html = response.content.decode()
    assert response.status_code == 200
    assert "The security code is not correct" in html
    assert "There is a problem" in html
    assert "_auth_user_id" not in client.session


def test_a_security_code_that_is_not_six_digits_gets_a_clear_message(client):
    user = _enrolled_user()
    _password_step(client, user.email)
    html = client.post("/sign-in/code", {"code": "12ab"}).content.decode()
    assert "Enter the security code as 6 digits, like 123456" in html


def test_a_code_cannot_be_used_twice(client):
    user = _enrolled_user()
    code = _code()
    _password_step(client, user.email)
    client.post("/sign-in/code", {"code": code})
    client.post("/sign-out")
    _password_step(client, user.email)
    response = client.post("/sign-in/code", {"code": code})
    assert "The security code is not correct" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_code_page_without_a_password_first_goes_back_to_sign_in(client):
    assert client.get("/sign-in/code").url == "/sign-in"
    assert client.post("/sign-in/code", {"code": "123456"}).url == "/sign-in"


def test_the_code_must_follow_the_password_within_five_minutes(client):
    user = _enrolled_user()
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        _password_step(client, user.email)
        traveller.shift(datetime.timedelta(minutes=6))
        response = client.post("/sign-in/code", {"code": _code()})
    assert response.url == "/sign-in"
    assert "_auth_user_id" not in client.session


def test_a_person_without_a_confirmed_authenticator_cannot_sign_in(client):
    user = UserFactory()  # a password, but no TOTP: MFA is mandatory
    response = _password_step(client, user.email)
    assert response.status_code == 200
    assert "has not been set up with an authenticator app yet" in response.content.decode()
    assert client.get("/sign-in/code").url == "/sign-in"


def test_an_inactive_person_is_told_their_access_ended_only_with_the_right_password(client):
    user = _enrolled_user()
    user.is_active = False
    user.save()
    wrong = _password_step(client, user.email, "wrong-password").content.decode()
    assert "The email address or password is not correct" in wrong
    right = _password_step(client, user.email).content.decode()
    assert "Your access to Submit Diagnostic Imaging Data has ended" in right


def test_five_wrong_passwords_lock_the_account_for_fifteen_minutes(client):
    user = _enrolled_user()
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        for _ in range(5):
            _password_step(client, user.email, "wrong-password")
        response = _password_step(client, user.email)  # even the right password
        assert LOCKED in response.content.decode()
        assert "_auth_user_id" not in client.session
        traveller.shift(datetime.timedelta(minutes=14))
        assert LOCKED in _password_step(client, user.email).content.decode()
        traveller.shift(datetime.timedelta(minutes=2))
        assert _password_step(client, user.email).url == "/sign-in/code"


def test_lockout_does_not_reveal_whether_an_email_address_has_an_account(client):
    user = _enrolled_user()
    pages = []
    for email in (user.email, "nobody@example.nhs.uk"):
        for _ in range(5):
            _password_step(client, email, "wrong-password")
        pages.append(_password_step(client, email, "wrong-password").content.decode())
    assert LOCKED in pages[0] and LOCKED in pages[1]
    without_token = [re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", p) for p in pages]
    assert without_token[0].replace(user.email, "X") == without_token[1].replace(
        "nobody@example.nhs.uk", "X"
    )


def test_wrong_security_codes_count_towards_the_lockout(client):
    user = _enrolled_user()
    wrong = f"{(int(_code()) + 5) % 1_000_000:06d}"
    _password_step(client, user.email)
    for _ in range(5):
        client.post("/sign-in/code", {"code": wrong})
    response = client.post("/sign-in/code", {"code": _code()})
    assert LOCKED in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_successful_sign_in_clears_earlier_failures(client):
    user = _enrolled_user()
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        for _ in range(4):
            _password_step(client, user.email, "wrong-password")
        _password_step(client, user.email)
        client.post("/sign-in/code", {"code": _code()})
        client.post("/sign-out")
        traveller.shift(datetime.timedelta(seconds=31))  # a fresh code for the next sign-in
        for _ in range(4):
            _password_step(client, user.email, "wrong-password")
        assert _password_step(client, user.email).url == "/sign-in/code"


def test_many_failures_from_one_address_throttle_every_account_from_it(client, settings):
    settings.SIGN_IN_MAX_FAILURES_PER_IP = 7  # 20 in production; fewer keeps the test quick
    # django-ratelimit counts in fixed windows: frozen time keeps the test inside one.
    with time_machine.travel(timezone.now(), tick=False):
        for n in range(settings.SIGN_IN_MAX_FAILURES_PER_IP):
            _password_step(client, f"guess{n}@example.nhs.uk", "wrong-password")
        user = _enrolled_user()
        html = _password_step(client, user.email).content.decode()
        assert "too many failed attempts to sign in from your network" in html
        other = _password_step(client, user.email, REMOTE_ADDR="10.0.0.9")
        assert other.url == "/sign-in/code"


def test_the_next_page_is_kept_across_both_steps_but_only_on_this_site(client):
    user = _enrolled_user()
    client.post("/sign-in?next=/outbox", {"email": user.email, "password": PASSWORD})
    assert client.post("/sign-in/code", {"code": _code()}).url == "/outbox"
    client.post("/sign-out")
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=31), tick=False):
        client.post(
            "/sign-in?next=https://evil.example.com/", {"email": user.email, "password": PASSWORD}
        )
        assert client.post("/sign-in/code", {"code": _code()}).url == "/account/"


def test_a_session_expires_after_the_configured_age(client):
    user = _enrolled_user()
    _password_step(client, user.email)
    client.post("/sign-in/code", {"code": _code()})
    assert client.session.get_expiry_age() <= settings.SESSION_COOKIE_AGE
    with time_machine.travel(
        timezone.now() + datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE + 60)
    ):
        assert client.get("/account/").status_code == 302


def test_signing_out_ends_the_session(client):
    user = _enrolled_user()
    _password_step(client, user.email)
    client.post("/sign-in/code", {"code": _code()})
    response = client.post("/sign-out")
    assert response.url == "/"
    assert client.get("/account/").status_code == 302
    assert AuditEntry.objects.filter(action="accounts.sign_out", actor=user).exists()
