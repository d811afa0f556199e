"""M4: free text that looks like a postcode or an NHS number made the audit service raise,
and the person got a 500. Now it is redacted in the audit trail and the request works."""

import pytest

from portal.audit.models import AuditEntry
from portal.audit.services import verify
from portal.certificates import services
from tests.certificates.factories import GuardianFactory, content, emails_to, link_in
from tests.organisations.factories import TrustFactory

pytestmark = pytest.mark.django_db


def test_a_contacts_lookup_for_a_code_that_looks_like_a_postcode_is_answered(client):
    response = client.post("/contacts/", {"ods_code": "LS1 4AP"})
    assert response.status_code in (200, 302)
    entry = AuditEntry.objects.get(action="certificates.contacts_requested")
    assert "LS1 4AP" not in str(entry.details) + entry.target
    assert "[redacted]" in entry.target
    assert verify().ok


def test_a_guardian_can_decline_with_a_reason_that_mentions_a_postcode(client):
    trust = TrustFactory(code="RR8", name="LEEDS TEACHING HOSPITALS NHS TRUST")
    guardian = GuardianFactory(organisation=trust, email="jane.smith@nhs.net")
    services.submit_online(content(guardian))
    token = link_in(emails_to(guardian.email)[-1])
    response = client.post(
        f"/guardian/{token}",
        {"action": "decline", "decline-reason": "Our LS1 4AP site closed; patient 943 476 5919"},
    )
    assert response.status_code == 200
    assert "Application declined" in response.content.decode()
    logged = " ".join(str(e.details) for e in AuditEntry.objects.all())
    assert "LS1 4AP" not in logged and "943 476 5919" not in logged


def test_an_email_address_that_starts_like_a_postcode_is_kept_whole(client):
    trust = TrustFactory(code="RR8", name="LEEDS TEACHING HOSPITALS NHS TRUST")
    guardian = GuardianFactory(organisation=trust, email="jb12ab@nhs.net")
    response = client.post("/contacts/", {"ods_code": "RR8"})
    assert response.status_code in (200, 302)
    entry = AuditEntry.objects.get(action="certificates.contacts_requested")
    assert entry.details["guardians_emailed"] == [guardian.email]
