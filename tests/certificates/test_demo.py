import io
import re

import pytest
from django.core.management import call_command

from portal.certificates.models import Application, CaldicottGuardian, GuardianLink, State

pytestmark = pytest.mark.django_db


def _run():
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def test_the_demo_has_guardians_and_applications_waiting_and_is_idempotent(client):
    first = _run()
    assert {g.organisation.code for g in CaldicottGuardian.objects.current()} == {"RR8", "RTH"}
    states = {a.organisation.code: a.state for a in Application.objects.all()}
    assert states == {"RR8": State.AWAITING_GUARDIAN, "RTH": State.AWAITING_DESK}
    counts = (Application.objects.count(), GuardianLink.objects.count())
    second = _run()
    assert (Application.objects.count(), GuardianLink.objects.count()) == counts
    link = re.search(r"https?://\S+(/guardian/\S+)", first).group(1)
    assert link in second
    page = client.get(link)
    assert page.status_code == 200
    assert "Dr Amelia Hart" in page.content.decode()


def test_the_demo_guardian_account_is_the_registered_guardian():
    from portal.accounts.models import Membership
    from portal.accounts.roles import Role

    _run()
    guardian_memberships = Membership.objects.filter(role=Role.CALDICOTT_GUARDIAN)
    assert guardian_memberships.exists()
    for membership in guardian_memberships:
        registered = CaldicottGuardian.objects.current().filter(
            organisation=membership.organisation, email__iexact=membership.user.email
        )
        assert registered.exists(), membership.user.email
