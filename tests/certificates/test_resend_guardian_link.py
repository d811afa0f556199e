"""Recovery (issue 15): the desk can send the guardian a new link when the last expired."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from portal.audit.models import AuditEntry
from portal.certificates import services
from tests.certificates.factories import GuardianFactory, content, emails_to, link_in
from tests.organisations.factories import TrustFactory

pytestmark = pytest.mark.django_db


def test_the_desk_resends_an_expired_guardian_link_and_the_old_one_stops_working(
    client, service_desk_user
):
    trust = TrustFactory(code="RR8", name="LEEDS TEACHING HOSPITALS NHS TRUST")
    guardian = GuardianFactory(organisation=trust, name="Dr Jane Smith")
    application, _ = services.submit_online(content(guardian))
    old = link_in(emails_to(guardian.email)[-1])
    later = timezone.now() + datetime.timedelta(days=8)
    with time_machine.travel(later):
        assert client.get(f"/guardian/{old}").status_code == 410
        client.force_login(service_desk_user)
        page = client.get(f"/service-desk/certificates/{application.pk}").content.decode()
        assert "Send a new link to the Caldicott Guardian" in page
        response = client.post(f"/service-desk/certificates/{application.pk}/resend-guardian-link")
        assert response.status_code == 302
        new = link_in(emails_to(guardian.email)[-1])
        assert new != old
        client.logout()
        assert client.get(f"/guardian/{new}").status_code == 200
        assert client.get(f"/guardian/{old}").status_code == 410
    entry = AuditEntry.objects.get(action="certificates.guardian_link_resent")
    assert entry.actor == service_desk_user and entry.target == application.reference


def test_no_link_is_sent_for_an_application_that_is_not_waiting_for_its_guardian(
    client, service_desk_user
):
    trust = TrustFactory(code="RR8")
    guardian = GuardianFactory(organisation=trust)
    application, _ = services.submit_online(content(guardian))
    services.reject(application, actor=service_desk_user, reason="Duplicate")
    client.force_login(service_desk_user)
    response = client.post(f"/service-desk/certificates/{application.pk}/resend-guardian-link")
    assert response.status_code == 409
    assert len(emails_to(guardian.email)) == 1
