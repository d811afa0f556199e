import datetime

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from portal.audit.models import AuditEntry
from portal.certificates.models import CaldicottGuardian
from tests.accounts.factories import UserFactory
from tests.certificates.factories import GuardianFactory
from tests.organisations.factories import TrustFactory

pytestmark = pytest.mark.django_db

HEADER = "name,email,telephone,organisation_code,registered_from,registered_to\n"


@pytest.fixture
def desk(client, service_desk_user):
    client.force_login(service_desk_user)
    return client


def _upload(desk, text, name="register.csv"):
    return desk.post(
        "/service-desk/guardians/import",
        {"file": SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")},
    )


@time_machine.travel(datetime.datetime(2026, 6, 1, 12, 0))
def test_current_means_started_and_not_yet_ended():
    guardian = GuardianFactory(
        registered_from=datetime.date(2026, 6, 1), registered_to=datetime.date(2026, 6, 30)
    )
    future = GuardianFactory(registered_from=datetime.date(2026, 6, 2))
    ended = GuardianFactory(
        registered_from=datetime.date(2020, 1, 1), registered_to=datetime.date(2026, 5, 31)
    )
    open_ended = GuardianFactory(registered_from=datetime.date(2020, 1, 1))
    current = set(CaldicottGuardian.objects.current())
    assert current == {guardian, open_ended}
    assert future not in current and ended not in current
    assert guardian.is_current(datetime.date(2026, 6, 30))
    assert not guardian.is_current(datetime.date(2026, 7, 1))


def test_the_service_desk_adds_a_guardian_with_the_form(desk, service_desk_user):
    trust = TrustFactory(code="RR8", name="LEEDS TEACHING HOSPITALS NHS TRUST")
    response = desk.post(
        "/service-desk/guardians/",
        {
            "organisation_code": "rr8",
            "name": "Dr Jane Smith",
            "email": "Jane.Smith@nhs.net",
            "telephone": "0113 243 3144",
            "registered_from": "01/04/2025",
            "registered_to": "",
        },
    )
    assert response.status_code == 302
    guardian = CaldicottGuardian.objects.get()
    assert (guardian.organisation, guardian.email, guardian.registered_to) == (
        trust,
        "jane.smith@nhs.net",
        None,
    )
    assert guardian.registered_from == datetime.date(2025, 4, 1)
    entry = AuditEntry.objects.get(action="certificates.guardian_registered")
    assert entry.actor == service_desk_user and entry.organisation_code == "RR8"
    assert "Dr Jane Smith" in desk.get("/service-desk/guardians/").content.decode()


def test_the_form_explains_each_mistake_in_the_error_summary(desk):
    TrustFactory(code="RR8")
    response = desk.post(
        "/service-desk/guardians/",
        {
            "organisation_code": "ZZZ",
            "name": "",
            "email": "not-an-email",
            "telephone": "12345",
            "registered_from": "2025-04-01",
            "registered_to": "31/03/2025",
        },
    )
    html = response.content.decode()
    assert "There is a problem" in html
    assert "There is no organisation with the ODS code ZZZ" in html
    assert "Enter the guardian&#x27;s full name" in html
    assert "Enter an email address in the correct format" in html
    assert "Enter a UK telephone number" in html
    assert CaldicottGuardian.objects.count() == 0


def test_an_end_date_before_the_start_is_refused(desk):
    TrustFactory(code="RR8")
    response = desk.post(
        "/service-desk/guardians/",
        {
            "organisation_code": "RR8",
            "name": "Dr A",
            "email": "a.person@nhs.net",
            "registered_from": "01/04/2025",
            "registered_to": "31/03/2025",
        },
    )
    assert "The end date must be the same as or after the start" in response.content.decode()
    assert CaldicottGuardian.objects.count() == 0


def test_a_csv_import_adds_every_line_and_is_audited(desk):
    TrustFactory(code="RR8")
    TrustFactory(code="RTH")
    text = HEADER + (
        "Dr Jane Smith,jane.smith@nhs.net,0113 243 3144,RR8,2025-04-01,\n"
        "Dr Raj Patel,raj.patel@nhs.net,,rth,2024-01-01,2027-01-01\n"
    )
    response = _upload(desk, text)
    assert response.status_code == 302
    assert CaldicottGuardian.objects.count() == 2
    assert CaldicottGuardian.objects.get(email="raj.patel@nhs.net").organisation.code == "RTH"
    assert AuditEntry.objects.filter(action="certificates.register_imported").count() == 1
    # Importing the same file again changes nothing.
    _upload(desk, text)
    assert CaldicottGuardian.objects.count() == 2


def test_a_csv_with_any_bad_line_adds_nothing_and_names_every_problem_by_line(desk):
    TrustFactory(code="RR8")
    text = HEADER + (
        "Dr Jane Smith,jane.smith@nhs.net,0113 243 3144,RR8,2025-04-01,\n"
        "Dr No Org,no.org@nhs.net,,XXX,2025-04-01,\n"
        ",bad-email,12,RR8,1 April 2025,\n"
        "Dr Backwards,back@nhs.net,,RR8,2025-04-01,2024-01-01\n"
    )
    response = _upload(desk, text)
    html = response.content.decode()
    assert response.status_code == 200
    assert "nothing was added" in html
    assert "Line 3: there is no organisation with the ODS code “XXX”" in html
    assert "Line 4: enter the guardian&#x27;s name" in html
    assert "Line 4: “bad-email” is not an email address" in html
    assert "Line 4: Enter a UK telephone number" in html
    assert "Line 4: registered_from must be a date like 2025-04-01, not “1 April 2025”" in html
    assert "Line 5: registered_to is before registered_from" in html
    assert "Line 2" not in html
    assert CaldicottGuardian.objects.count() == 0


def test_a_csv_with_the_wrong_header_is_refused(desk):
    response = _upload(desk, "name,email\nDr A,a@nhs.net\n")
    assert "The first line must be the header" in response.content.decode()
    assert CaldicottGuardian.objects.count() == 0


def test_only_the_service_desk_can_see_or_change_the_register(client):
    client.force_login(UserFactory())
    assert client.get("/service-desk/guardians/").status_code == 404
    assert client.post("/service-desk/guardians/import").status_code == 404
