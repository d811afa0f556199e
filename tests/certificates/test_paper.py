"""The paper route: a certificate that arrived by post or email, recorded by the desk."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from portal.accounts.roles import Role
from portal.certificates.models import Application, Authorisation, Route, State
from portal.certificates.rules import content_hash
from portal.store import api as store
from tests.accounts.factories import UserFactory, grant
from tests.certificates.factories import GuardianFactory
from tests.organisations.factories import TrustFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


@pytest.fixture
def guardian():
    trust = TrustFactory(code="RR8", name="LEEDS TEACHING HOSPITALS NHS TRUST")
    return GuardianFactory(organisation=trust, name="Dr Jane Smith", email="jane.smith@nhs.net")


@pytest.fixture
def desk(client, service_desk_user):
    client.force_login(service_desk_user)
    return client


def _form(scan_name="duc.pdf", scan_bytes=PDF, **overrides):
    data = {
        "ods_code": "RR8",
        "primary_name": "Pat Lee",
        "primary_job_title": "PACS manager",
        "primary_email": "pat.lee@nhs.net",
        "primary_telephone": "0113 496 0001",
        "user1_name": "Ann Ray",
        "user1_job_title": "Radiographer",
        "user1_email": "ann.ray@nhs.net",
        "user1_telephone": "07700 900123",
        "user1_submitter": "on",
        "guardian_name": "Dr Jane Smith",
        "guardian_email": "jane.smith@nhs.net",
        "verification_method": "emailed_from_registered_address",
        "verification_notes": "Email of 3 March 2026",
        "scan": SimpleUploadedFile(scan_name, scan_bytes),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.mark.parametrize(("name", "data"), [("duc.pdf", PDF), ("duc.PNG", PNG), ("duc.jpeg", JPEG)])
def test_the_desk_records_a_signed_scan_and_how_it_was_verified(
    desk, guardian, service_desk_user, settings, name, data
):
    response = desk.post("/service-desk/certificates/paper", _form(name, data))
    assert response.status_code == 302, response.content.decode()
    application = Application.objects.get()
    assert (application.route, application.state) == (Route.PAPER, State.AWAITING_DESK)
    assert [p["email"] for p in application.people] == ["pat.lee@nhs.net", "ann.ray@nhs.net"]
    authorisation = Authorisation.objects.get()
    assert authorisation.verified_by == service_desk_user
    assert authorisation.verification_method == "emailed_from_registered_address"
    assert authorisation.guardian == guardian
    assert authorisation.content_hash == content_hash(application.content)
    # In the media store (a local folder or object storage), under a name of its own.
    assert authorisation.scan.name.startswith("certificates/scans/")
    assert store.media().read_bytes(authorisation.scan.name) == data
    assert application.statuses.get().actor == service_desk_user
    download = desk.get(f"/service-desk/certificates/{application.pk}/scan")
    assert b"".join(download.streaming_content) == data


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("duc.pdf", b"MZ\x90\x00 not a pdf", "is called .pdf but is not a PDF file"),
        ("duc.png", PDF, "is called .png but is not a PNG file"),
        ("duc.exe", PDF, "The scan must be a PDF, PNG or JPEG file"),
        ("duc.docx", b"PK\x03\x04", "The scan must be a PDF, PNG or JPEG file"),
        ("duc.pdf", b"", "The selected file is empty"),
    ],
)
def test_a_scan_is_checked_by_its_content_not_just_its_name(desk, guardian, name, data, message):
    response = desk.post("/service-desk/certificates/paper", _form(name, data))
    html = response.content.decode()
    assert "There is a problem" in html and message in html
    assert Application.objects.count() == 0


def test_a_scan_over_the_size_limit_is_refused(desk, guardian, settings):
    settings.CERTIFICATE_SCAN_MAX_BYTES = 1024 * 1024
    big = PDF + b"0" * (1024 * 1024)
    response = desk.post("/service-desk/certificates/paper", _form("duc.pdf", big))
    assert "The scan must be smaller than 1 MB" in response.content.decode()
    assert Application.objects.count() == 0


def test_the_paper_route_applies_the_same_rules(desk, guardian):
    for n in range(6):
        grant(UserFactory(), Role.SUBMITTER, guardian.organisation)
    response = desk.post(
        "/service-desk/certificates/paper",
        _form(
            user1_email="radiology@trust.nhs.uk",
            user2_name="Bo Cole",
            user2_job_title="Radiographer",
            user2_email="bo.cole@nhs.net",
            user2_telephone="0113 496 0003",
            user2_submitter="on",
            guardian_email="someone@nhs.net",
        ),
    )
    html = response.content.decode()
    assert "not a shared or team mailbox" in html
    assert Application.objects.count() == 0
    response = desk.post(
        "/service-desk/certificates/paper", _form(user1_telephone="12", guardian_email="x@nhs.net")
    )
    assert "Enter a UK telephone number" in response.content.decode()
    response = desk.post("/service-desk/certificates/paper", _form())
    html = response.content.decode()
    assert "up to 6 submitters" in html
    response = desk.post(
        "/service-desk/certificates/paper", _form(user1_submitter=None, guardian_email="x@nhs.net")
    )
    assert "do not match a Caldicott Guardian currently registered" in response.content.decode()
    assert Application.objects.count() == 0


def test_a_half_filled_user_slot_is_explained(desk, guardian):
    response = desk.post("/service-desk/certificates/paper", _form(user2_name="Bo Cole"))
    html = response.content.decode()
    assert "Enter user 2&#x27;s email" in html
    assert Application.objects.count() == 0


def test_a_primary_contact_change_on_paper_needs_the_desk_to_confirm_the_guardian_signed_it(
    desk, guardian
):
    grant(UserFactory(email="old.pc@nhs.net"), Role.PRIMARY_CONTACT, guardian.organisation)
    response = desk.post("/service-desk/certificates/paper", _form())
    assert "do not match the ones we hold" in response.content.decode()
    response = desk.post("/service-desk/certificates/paper", _form(changes_primary_contact="on"))
    assert "authorises the change of primary contact" in response.content.decode()
    response = desk.post(
        "/service-desk/certificates/paper",
        _form(changes_primary_contact="on", confirms_primary_contact_change="on"),
    )
    assert response.status_code == 302
    assert Authorisation.objects.get().confirmed_primary_contact_change is True


def test_a_paper_certificate_is_approved_the_same_way(desk, guardian):
    desk.post("/service-desk/certificates/paper", _form())
    application = Application.objects.get()
    desk.post(f"/service-desk/certificates/{application.pk}/approve")
    application.refresh_from_db()
    assert application.state == State.APPROVED
