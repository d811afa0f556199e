""" "Who are our contacts?": answered only to the registered guardian, revealing nothing."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from portal.accounts.roles import Role
from portal.audit.models import AuditEntry
from portal.certificates.models import DisclosureLink
from portal.certificates.rules import hash_token
from portal.notify.models import OutboxMessage
from tests.accounts.factories import UserFactory, grant
from tests.certificates.factories import GuardianFactory, emails_to, link_in
from tests.organisations.factories import TrustFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def trust():
    trust = TrustFactory(code="RR8", name="LEEDS TEACHING HOSPITALS NHS TRUST")
    grant(UserFactory(full_name="Pat Lee", email="pat.lee@nhs.net"), Role.PRIMARY_CONTACT, trust)
    grant(UserFactory(full_name="Ann Ray", email="ann.ray@nhs.net"), Role.SUBMITTER, trust)
    gone = grant(UserFactory(full_name="Old Hand", email="old.hand@nhs.net"), Role.SUBMITTER, trust)
    gone.revoked_at = timezone.now()
    gone.save()
    return trust


@pytest.fixture
def guardian(trust):
    return GuardianFactory(organisation=trust, name="Dr Jane Smith", email="jane.smith@nhs.net")


def _ask(client, code):
    response = client.post("/contacts/", {"ods_code": code})
    assert response.status_code == 302
    return client.get(response.url).content.decode()


def test_everyone_who_asks_sees_the_same_answer_that_reveals_nothing(client, guardian):
    TrustFactory(code="RTH", name="OXFORD UNIVERSITY HOSPITALS NHS FOUNDATION TRUST")

    def main(html):
        return html[html.index("<main") : html.index("</main>")]

    with_guardian = main(_ask(client, "RR8"))
    without_guardian = main(_ask(client, "RTH"))
    unknown = main(_ask(client, "ZZZ"))
    assert with_guardian == without_guardian == unknown
    assert (
        "If the organisation has a registered Caldicott Guardian, we have emailed them" in unknown
    )
    for secret in ("jane.smith", "Dr Jane Smith", "pat.lee", "LEEDS", "RR8"):
        assert secret not in with_guardian


def test_the_list_goes_only_to_the_registered_guardians_address(client, guardian):
    other_org_guardian = GuardianFactory(
        organisation=TrustFactory(code="RTH"), email="rth.cg@nhs.net"
    )
    _ask(client, "rr8")
    assert [m.to for m in OutboxMessage.objects.all()] == ["jane.smith@nhs.net"]
    assert emails_to(other_org_guardian.email) == []


def test_a_guardian_whose_registration_ended_gets_nothing(client, guardian):
    guardian.registered_to = timezone.localdate() - datetime.timedelta(days=1)
    guardian.save()
    _ask(client, "RR8")
    assert OutboxMessage.objects.count() == 0


def test_a_link_whose_guardian_left_the_register_shows_nothing_and_is_audited(client, guardian):
    _ask(client, "RR8")
    token = link_in(emails_to(guardian.email)[0], kind="contacts")
    guardian.registered_to = timezone.localdate() - datetime.timedelta(days=1)
    guardian.save()
    for response in (client.get(f"/contacts/{token}"), client.post(f"/contacts/{token}")):
        html = response.content.decode()
        assert response.status_code == 410
        assert "no longer registered" in html
        assert "pat.lee@nhs.net" not in html and "Pat Lee" not in html
    refusals = AuditEntry.objects.filter(action="certificates.contacts_refused")
    assert refusals.count() == 2
    assert refusals.first().details["reason"] == "not_registered"
    assert refusals.first().details["guardian_email"] == "jane.smith@nhs.net"
    assert not AuditEntry.objects.filter(action="certificates.contacts_disclosed").exists()
    assert DisclosureLink.objects.get().used_at is None


def test_the_guardians_link_lists_the_primary_contact_and_active_submitters_once(client, guardian):
    _ask(client, "RR8")
    token = link_in(emails_to(guardian.email)[0], kind="contacts")
    landing = client.get(f"/contacts/{token}")
    assert "pat.lee@nhs.net" not in landing.content.decode()  # a button first, for mail scanners
    response = client.post(f"/contacts/{token}", REMOTE_ADDR="192.0.2.7")
    html = response.content.decode()
    assert "Pat Lee" in html and "pat.lee@nhs.net" in html
    assert "Ann Ray" in html and "ann.ray@nhs.net" in html
    assert "Old Hand" not in html
    assert response["Cache-Control"] == "no-store"
    again = client.post(f"/contacts/{token}")
    assert again.status_code == 410
    assert "pat.lee@nhs.net" not in again.content.decode()
    entry = AuditEntry.objects.get(action="certificates.contacts_disclosed")
    assert entry.details["guardian_email"] == "jane.smith@nhs.net"
    assert entry.details["ip_address"] == "192.0.2.7"


def test_the_disclosure_link_is_stored_hashed_and_expires(client, guardian):
    with time_machine.travel(datetime.datetime(2026, 2, 1, 9, 0, tzinfo=datetime.UTC), tick=False):
        _ask(client, "RR8")
        token = link_in(emails_to(guardian.email)[0], kind="contacts")
    link = DisclosureLink.objects.get()
    assert link.token_hash == hash_token(token) and token not in link.token_hash
    with time_machine.travel(datetime.datetime(2026, 2, 8, 9, 0, tzinfo=datetime.UTC), tick=False):
        response = client.post(f"/contacts/{token}")
        assert response.status_code == 410
        assert "pat.lee@nhs.net" not in response.content.decode()


def test_a_made_up_link_is_refused_without_revealing_anything(client, guardian):
    response = client.post("/contacts/made-up-token")
    assert response.status_code == 404
    html = response.content.decode()
    assert "pat.lee@nhs.net" not in html and "LEEDS" not in html


def test_every_request_is_audited_whatever_the_outcome(client, guardian):
    TrustFactory(code="RTH")
    for code in ("RR8", "RTH", "ZZZ"):
        client.post("/contacts/", {"ods_code": code}, REMOTE_ADDR="198.51.100.4")
    entries = list(AuditEntry.objects.filter(action="certificates.contacts_requested"))
    assert [e.details["ods_code"] for e in entries] == ["RR8", "RTH", "ZZZ"]
    assert [e.details["guardians_emailed"] for e in entries] == [["jane.smith@nhs.net"], [], []]
    assert [e.details["organisation_found"] for e in entries] == [True, True, False]
    assert all(e.details["ip_address"] == "198.51.100.4" for e in entries)


def test_a_blank_code_is_explained(client, db):
    response = client.post("/contacts/", {"ods_code": ""})
    assert "Enter your organisation&#x27;s ODS code" in response.content.decode()
    assert AuditEntry.objects.filter(action="certificates.contacts_requested").count() == 0


def test_a_guardian_gets_at_most_the_daily_cap_of_links_and_the_asker_cannot_tell(
    client, guardian, settings
):
    settings.CONTACTS_LINKS_PER_GUARDIAN_PER_DAY = 2
    answers = [_ask(client, "RR8") for _ in range(4)]
    assert len(emails_to(guardian.email)) == 2
    assert len(set(answers)) == 1
    capped = AuditEntry.objects.filter(action="certificates.contacts_requested").order_by("id")
    assert [e.details["guardians_not_emailed_daily_cap"] for e in capped] == [
        [],
        [],
        [guardian.email],
        [guardian.email],
    ]
    # A day later the guardian can be asked again.
    with time_machine.travel(timezone.now() + datetime.timedelta(days=1, minutes=1)):
        _ask(client, "RR8")
    assert len(emails_to(guardian.email)) == 3
