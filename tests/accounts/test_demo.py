import pyotp
import pytest
from django.core.management import call_command

from portal.accounts.demo import DEMO_PASSWORD, DEMO_PEOPLE
from portal.accounts.models import Invitation, Membership, User
from portal.accounts.roles import Role
from portal.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def _load(capsys):
    call_command("load_demo")
    return capsys.readouterr().out


def test_the_demo_loads_activated_people_with_fixed_secrets_and_one_invitation(capsys):
    out = _load(capsys)
    for email, _name, _job, role, code, secret in DEMO_PEOPLE:
        user = User.objects.get(email=email)
        assert user.is_active and user.has_confirmed_totp and user.check_password(DEMO_PASSWORD)
        assert user.totp_secret == secret
        assert user.has_role(role)
        assert f"{email} / {DEMO_PASSWORD} / TOTP secret {secret}" in out
    rr8 = Membership.objects.filter(organisation__code="RR8", revoked_at=None)
    assert sorted(rr8.values_list("role", flat=True)) == sorted(
        [Role.CALDICOTT_GUARDIAN, Role.PRIMARY_CONTACT, Role.SUBMITTER, Role.SUBMITTER]
    )
    invitation = Invitation.objects.get()
    assert invitation.organisation.code == "RJ1" and invitation.status == "waiting"
    assert "invited.rj1@example.nhs.uk" in out


def test_loading_the_demo_twice_changes_nothing(capsys):
    _load(capsys)
    counts = (User.objects.count(), Membership.objects.count(), Invitation.objects.count())
    people_audit = AuditEntry.objects.filter(action__startswith="accounts.")
    audit = people_audit.count()
    _load(capsys)
    assert (User.objects.count(), Membership.objects.count(), Invitation.objects.count()) == counts
    assert people_audit.count() == audit


def test_a_demo_user_can_sign_in_with_the_printed_secret(client, capsys):
    _load(capsys)
    email, *_, secret = DEMO_PEOPLE[1]
    client.post("/sign-in", {"email": email, "password": DEMO_PASSWORD})
    response = client.post("/sign-in/code", {"code": pyotp.TOTP(secret).now()})
    assert response.url == "/account/"


def test_demo_code_prints_the_current_code_for_demo_accounts_only(capsys):
    from django.core.management.base import CommandError

    _load(capsys)
    email, *_, secret = DEMO_PEOPLE[0]
    call_command("demo-code", email)
    assert capsys.readouterr().out.strip() == pyotp.TOTP(secret).now()
    with pytest.raises(CommandError, match="not a demo account"):
        call_command("demo-code", "invited.rj1@example.nhs.uk")
