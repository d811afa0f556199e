import datetime
import re

import pyotp
import pytest
import time_machine
from django.contrib.auth.hashers import get_hasher, identify_hasher
from django.db import connection
from django.utils import timezone

from portal.accounts import services
from portal.accounts.models import Invitation, User
from portal.accounts.roles import Role
from portal.audit.models import AuditEntry
from tests.accounts.factories import TOTP_SECRET, UserFactory, grant, with_totp

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-long-and-unusual-passphrase-42"  # noqa: S105


@pytest.fixture
def invited(organisation, service_desk_user):
    user = services.upsert_person(
        email="new.submitter@example.nhs.uk",
        full_name="Nia Submitter",
        job_title="PACS manager",
        telephone="0113 496 0100",
    )
    services.grant_role(user, Role.SUBMITTER, organisation, actor=service_desk_user)
    invitation = services.send_invitation(user, organisation=organisation, actor=service_desk_user)
    return user, invitation.raw_token


def _secret_on(html):
    return re.search(r'data-secret="([A-Z2-7]+)"', html).group(1)


def _activate(client, token, password=NEW_PASSWORD):
    client.post(f"/activate/{token}", {"new_password": password, "confirm_password": password})
    html = client.get(f"/activate/{token}/authenticator").content.decode()
    secret = _secret_on(html)
    response = client.post(f"/activate/{token}/authenticator", {"code": pyotp.TOTP(secret).now()})
    return response, secret


def test_the_activation_page_says_who_it_is_for(client, invited):
    user, token = invited
    html = client.get(f"/activate/{token}").content.decode()
    assert "Create a password" in html
    assert "Nia Submitter" in html
    assert "new.submitter@example.nhs.uk" in html
    assert "LEEDS TEACHING HOSPITALS NHS TRUST (RR8)" in html


def test_a_weak_password_is_refused_with_django_validators_in_an_error_summary(client, invited):
    _, token = invited
    response = client.post(
        f"/activate/{token}", {"new_password": "password", "confirm_password": "password"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html
    assert "This password is too short. It must contain at least 12 characters." in html
    assert "This password is too common." in html


def test_passwords_that_do_not_match_are_refused(client, invited):
    _, token = invited
    html = client.post(
        f"/activate/{token}",
        {"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD + "x"},
    ).content.decode()
    assert '<a href="#id_confirm_password">The passwords do not match</a>' in html


def test_the_authenticator_step_needs_the_password_step_first(client, invited):
    _, token = invited
    response = client.get(f"/activate/{token}/authenticator")
    assert response.url == f"/activate/{token}"


def test_the_authenticator_step_shows_an_inline_svg_qr_code_and_the_key(client, invited):
    user, token = invited
    client.post(
        f"/activate/{token}", {"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD}
    )
    response = client.get(f"/activate/{token}/authenticator")
    html = response.content.decode()
    assert '<svg width="' in html and 'class="portal-qr-code"' in html
    assert "data:" not in html.split('<div class="portal-qr">')[1].split("</div>")[0]
    secret = _secret_on(html)
    user.refresh_from_db()
    assert user.totp_secret == secret and user.totp_confirmed_at is None
    assert user.is_active is False  # not yet: the code has not been confirmed
    assert "style=" not in html and "<style" not in html


def test_a_wrong_code_does_not_activate_or_use_the_invitation(client, invited):
    user, token = invited
    client.post(
        f"/activate/{token}", {"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD}
    )
    secret = _secret_on(client.get(f"/activate/{token}/authenticator").content.decode())
    wrong = f"{(int(pyotp.TOTP(secret).now()) + 1) % 1_000_000:06d}"
    response = client.post(f"/activate/{token}/authenticator", {"code": wrong})
    html = response.content.decode()
    assert "The security code is not correct" in html
    assert _secret_on(html) == secret  # the same key, which the person may have scanned
    user.refresh_from_db()
    assert user.is_active is False and user.totp_confirmed_at is None
    assert Invitation.objects.get(user=user).used_at is None


def test_a_correct_code_activates_the_person_and_uses_the_invitation(client, invited):
    user, token = invited
    response, secret = _activate(client, token)
    assert response.status_code == 302 and response.url == "/sign-in"
    user.refresh_from_db()
    assert user.is_active and user.activated_at and user.totp_confirmed_at
    assert user.totp_secret == secret
    assert user.check_password(NEW_PASSWORD)
    # Hashed with the configured hasher (Argon2 in production: tests/core/test_settings.py).
    assert identify_hasher(user.password).algorithm == get_hasher().algorithm
    assert Invitation.objects.get(user=user).status == "used"
    assert AuditEntry.objects.filter(action="accounts.activated", actor=user).exists()
    assert "Your account is ready" in client.get("/sign-in").content.decode()


def test_an_activated_person_can_sign_in_with_password_and_code(client, invited):
    user, token = invited
    _, secret = _activate(client, token)
    client.post("/sign-in", {"email": user.email, "password": NEW_PASSWORD})
    response = client.post("/sign-in/code", {"code": pyotp.TOTP(secret).now()})
    assert response.url == "/account/"
    assert client.session["_auth_user_id"] == str(user.pk)


def test_an_invitation_link_works_only_once(client, invited):
    _, token = invited
    _activate(client, token)
    response = client.get(f"/activate/{token}")
    assert response.status_code == 410
    assert "This link has already been used" in response.content.decode()
    again = client.post(
        f"/activate/{token}", {"new_password": "x" * 20, "confirm_password": "x" * 20}
    )
    assert again.status_code == 410


def test_an_invitation_expires_after_fourteen_days(client, invited):
    user, token = invited
    with time_machine.travel(timezone.now() + datetime.timedelta(days=13, hours=23)):
        assert client.get(f"/activate/{token}").status_code == 200
    with time_machine.travel(timezone.now() + datetime.timedelta(days=14, minutes=1)):
        response = client.get(f"/activate/{token}")
        html = response.content.decode()
        assert response.status_code == 410
        assert "This link has expired" in html
        assert "work for 14 days" in html
        assert "Ask your service desk or your organisation's Caldicott Guardian" in html
        posted = client.post(
            f"/activate/{token}",
            {"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD},
        )
        assert posted.status_code == 410
    user.refresh_from_db()
    assert not user.has_usable_password()


def test_an_invitation_that_expires_during_setup_cannot_be_finished(client, invited):
    user, token = invited
    client.post(
        f"/activate/{token}", {"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD}
    )
    secret = _secret_on(client.get(f"/activate/{token}/authenticator").content.decode())
    later = timezone.now() + datetime.timedelta(days=15)
    with time_machine.travel(later):
        response = client.post(
            f"/activate/{token}/authenticator", {"code": pyotp.TOTP(secret).now()}
        )
    assert response.status_code == 410
    user.refresh_from_db()
    assert user.is_active is False


def test_an_unknown_link_explains_itself(client, db):
    response = client.get("/activate/not-a-real-token")
    assert response.status_code == 404
    assert "This link is not valid" in response.content.decode()


def test_a_replaced_link_points_to_the_newer_email(client, invited, service_desk_user):
    user, token = invited
    services.reinvite(services.find_invitation(token), actor=service_desk_user)
    response = client.get(f"/activate/{token}")
    assert response.status_code == 410
    assert "This link has been replaced" in response.content.decode()


def test_the_raw_token_is_not_stored_anywhere_once_the_email_is_delivered(
    client, organisation, service_desk_user, settings, immediate_tasks
):
    from aiosmtpd.controller import Controller

    from tests.notify.test_notify import Inbox, _free_port

    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings.EMAIL_DELIVERY = "smtp"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        user = services.upsert_person(
            email="x@example.nhs.uk", full_name="X", job_title="Y", telephone=""
        )
        token = services.send_invitation(
            user, organisation=organisation, actor=service_desk_user
        ).raw_token
    finally:
        controller.stop()
    assert token in inbox.received[0].get_payload(decode=True).decode()
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - our own table names
            assert token not in repr(cursor.fetchall()), f"raw token found in {table}"


def test_someone_already_set_up_confirms_new_access_without_a_new_password(
    client, organisation, service_desk_user
):
    user = with_totp(UserFactory())
    grant(user, Role.SUBMITTER, organisation)
    invitation = services.send_invitation(user, organisation=organisation, actor=service_desk_user)
    page = client.get(f"/activate/{invitation.raw_token}").content.decode()
    assert "You already have an account" in page
    assert Invitation.objects.get(pk=invitation.pk).used_at is None  # GET changes nothing
    response = client.post(f"/activate/{invitation.raw_token}")
    assert response.url == "/sign-in"
    assert Invitation.objects.get(pk=invitation.pk).status == "used"
    assert User.objects.get(pk=user.pk).totp_secret == TOTP_SECRET  # unchanged
