"""The public online application, page by page, and every rule of the form."""

import datetime

import pytest
from django.utils import timezone

from portal.accounts.roles import Role
from portal.certificates.models import Application, ApplicationStatus, GuardianLink, State
from tests.accounts.factories import UserFactory, grant
from tests.certificates.factories import GuardianFactory, emails_to
from tests.organisations.factories import TrustFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def guardian():
    trust = TrustFactory(code="RR8", name="LEEDS TEACHING HOSPITALS NHS TRUST")
    return GuardianFactory(organisation=trust, name="Dr Jane Smith", email="jane.smith@nhs.net")


def _pc(**overrides):
    return {
        "name": "Pat Lee",
        "job_title": "PACS manager",
        "email": "pat.lee@nhs.net",
        "telephone": "0113 496 0001",
        **overrides,
    }


def _user(n, submitter=True):
    data = {
        "name": f"User {n}",
        "job_title": "Radiographer",
        "email": f"user.{n}@nhs.net",
        "telephone": f"07700 900 00{n}",
    }
    if submitter:
        data["submitter"] = "on"
    return data


def _start(client, code="RR8", pc=None):
    assert (
        client.post(
            "/apply/organisation", {"applicant_email": "applicant@nhs.net", "ods_code": code}
        ).status_code
        == 302
    )
    response = client.post("/apply/primary-contact", pc or _pc())
    assert response.status_code == 302, response.content.decode()


def test_the_whole_application_reaches_the_guardian_at_the_registered_address(client, guardian):
    assert client.get("/apply/").status_code == 200
    _start(client, code=" rr8 ")
    assert client.post("/apply/users/add", _user(1)).status_code == 302
    assert client.post("/apply/users/add", _user(2, submitter=False)).status_code == 302
    page = client.get("/apply/users").content.decode()
    assert "User 1" in page and "User 2" in page
    assert client.post("/apply/users", {"add_another": "no"}).url == "/apply/guardian"
    response = client.post(
        "/apply/guardian", {"name": "  dr jane SMITH ", "email": "Jane.Smith@nhs.net"}
    )
    assert response.url == "/apply/check"
    check = client.get("/apply/check").content.decode()
    for text in (
        "LEEDS TEACHING HOSPITALS NHS TRUST",
        "Pat Lee",
        "user.2@nhs.net",
        "Dr Jane Smith",
    ):
        assert text in check
    response = client.post("/apply/check")
    assert response.url == "/apply/sent"
    application = Application.objects.get()
    assert application.state == State.AWAITING_GUARDIAN
    assert application.guardian == guardian
    assert [p["email"] for p in application.people] == [
        "pat.lee@nhs.net",
        "user.1@nhs.net",
        "user.2@nhs.net",
    ]
    assert [p["submitter"] for p in application.people] == [False, True, False]
    status = ApplicationStatus.objects.get(application=application)
    assert (status.state, status.actor_label) == (State.AWAITING_GUARDIAN, "applicant")
    (message,) = emails_to("jane.smith@nhs.net")
    assert "/guardian/" in message.body and application.reference in message.body
    assert application.reference in client.get("/apply/sent").content.decode()
    # The draft is gone: a second submit cannot create a second application.
    assert client.post("/apply/check").status_code == 302
    assert Application.objects.count() == 1


def test_the_guardian_email_goes_to_the_register_address_not_the_typed_one(client, guardian):
    guardian.email = "jane.smith@nhs.net"
    guardian.save()
    _start(client)
    client.post("/apply/guardian", {"name": "Dr Jane Smith", "email": "JANE.SMITH@NHS.NET"})
    client.post("/apply/check")
    assert [m.to for m in emails_to("jane.smith@nhs.net")] == ["jane.smith@nhs.net"]


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("", "Enter your organisation&#x27;s ODS code"),
        ("XYZ", "We cannot find an organisation with the ODS code XYZ"),
        ("RCL", "closed on 31 March 2020"),
    ],
)
def test_the_organisation_must_exist_in_ods_and_be_open(client, db, code, message):
    TrustFactory(code="RCL", name="CLOSED TRUST", close_date=datetime.date(2020, 3, 31))
    response = client.post(
        "/apply/organisation", {"applicant_email": "applicant@nhs.net", "ods_code": code}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html and message in html
    assert '<a href="#id_ods_code">' in html


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", "radiology@trust.nhs.uk", "not a shared or team mailbox"),
        ("email", "info@nhs.net", "not a shared or team mailbox"),
        ("email", "ssd.nationalservicedesk@nhs.net", "not a shared or team mailbox"),
        ("email", "pat.lee", "Enter an email address in the correct format"),
        ("telephone", "12345", "Enter a UK telephone number"),
        ("telephone", "+1 212 555 0100", "Enter a UK telephone number"),
        ("name", "", "Enter the primary contact&#x27;s full name"),
        ("job_title", "", "Enter the primary contact&#x27;s job title"),
    ],
)
def test_each_primary_contact_mistake_is_explained(client, guardian, field, value, message):
    client.post("/apply/organisation", {"applicant_email": "applicant@nhs.net", "ods_code": "RR8"})
    response = client.post("/apply/primary-contact", _pc(**{field: value}))
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html and message in html


def _held_primary_contact(organisation):
    user = UserFactory(
        full_name="Pat Lee",
        job_title="PACS manager",
        email="pat.lee@nhs.net",
        telephone="0113 496 0001",
    )
    grant(user, Role.PRIMARY_CONTACT, organisation)
    return user


def test_the_primary_contact_must_match_the_one_held_unless_the_change_is_declared(
    client, guardian
):
    _held_primary_contact(guardian.organisation)
    client.post("/apply/organisation", {"applicant_email": "applicant@nhs.net", "ods_code": "RR8"})
    response = client.post("/apply/primary-contact", _pc(email="sam.new@nhs.net", name="Sam New"))
    html = response.content.decode()
    assert "do not match the ones we hold for your organisation" in html
    # The held details are never shown to the applicant.
    assert "pat.lee@nhs.net" not in html
    declared = client.post(
        "/apply/primary-contact",
        {**_pc(email="sam.new@nhs.net", name="Sam New"), "changes_primary_contact": "on"},
    )
    assert declared.status_code == 302


def test_the_same_primary_contact_matches_despite_case_and_spacing(client, guardian):
    _held_primary_contact(guardian.organisation)
    client.post("/apply/organisation", {"applicant_email": "applicant@nhs.net", "ods_code": "RR8"})
    response = client.post(
        "/apply/primary-contact",
        _pc(name=" pat  LEE", email="Pat.Lee@NHS.net", telephone="+44 113 496 0001"),
    )
    assert response.status_code == 302


def test_an_email_can_appear_only_once_in_an_application(client, guardian):
    _start(client)
    response = client.post("/apply/users/add", _user(1) | {"email": "PAT.LEE@nhs.net"})
    assert "already on the application" in response.content.decode()
    client.post("/apply/users/add", _user(1))
    response = client.post("/apply/users/add", _user(2) | {"email": "user.1@nhs.net"})
    assert "already on the application" in response.content.decode()


def test_no_more_than_six_users_can_be_added(client, guardian):
    _start(client)
    for n in range(1, 7):
        assert client.post("/apply/users/add", _user(n, submitter=n <= 3)).status_code == 302
    page = client.get("/apply/users").content.decode()
    assert "You have added the most people one certificate can name" in page
    assert 'name="add_another"' not in page
    # The add page is not offered any more, and a seventh posted anyway is not kept.
    assert client.post("/apply/users/add", _user(7, submitter=False)).url == "/apply/users"
    assert client.post("/apply/users", {}).url == "/apply/guardian"
    assert "user.7@nhs.net" not in client.get("/apply/users").content.decode()


def test_submitters_are_limited_to_six_counting_those_already_active(client, guardian):
    for n in range(4):
        grant(UserFactory(), Role.SUBMITTER, guardian.organisation)
    _start(client)
    assert client.post("/apply/users/add", _user(1)).status_code == 302
    assert client.post("/apply/users/add", _user(2)).status_code == 302
    response = client.post("/apply/users/add", _user(3))
    html = response.content.decode()
    assert "An organisation can have up to 6 submitters" in html
    assert "already has 4, so this application can add 2 more but asks for 3" in html
    # Someone who is not a submitter is still welcome.
    assert client.post("/apply/users/add", _user(3, submitter=False)).status_code == 302


def test_revoked_submitters_do_not_count_towards_the_six(client, guardian):
    for n in range(6):
        membership = grant(UserFactory(), Role.SUBMITTER, guardian.organisation)
        if n < 2:
            membership.revoked_at = timezone.now()
            membership.save()
    _start(client)
    assert client.post("/apply/users/add", _user(1)).status_code == 302
    assert client.post("/apply/users/add", _user(2)).status_code == 302
    assert "up to 6 submitters" in client.post("/apply/users/add", _user(3)).content.decode()


def test_the_primary_contact_need_not_be_a_submitter_but_can_be(client, guardian):
    _start(client, pc=_pc(submitter="on"))
    client.post("/apply/guardian", {"name": "Dr Jane Smith", "email": "jane.smith@nhs.net"})
    client.post("/apply/check")
    assert Application.objects.get().primary_contact["submitter"] is True


@pytest.mark.parametrize(
    ("name", "email"),
    [
        ("Dr Jane Smith", "someone.else@nhs.net"),
        ("Dr John Smith", "jane.smith@nhs.net"),
    ],
)
def test_the_guardian_must_match_a_current_register_entry(client, guardian, name, email):
    _start(client)
    response = client.post("/apply/guardian", {"name": name, "email": email})
    assert "do not match a Caldicott Guardian currently registered" in response.content.decode()


def test_a_guardian_whose_registration_ended_cannot_be_chosen(client, guardian):
    guardian.registered_to = timezone.localdate() - datetime.timedelta(days=1)
    guardian.save()
    _start(client)
    response = client.post(
        "/apply/guardian", {"name": "Dr Jane Smith", "email": "jane.smith@nhs.net"}
    )
    assert "currently registered" in response.content.decode()


def test_another_organisations_guardian_cannot_sign(client, guardian):
    other = GuardianFactory(organisation=TrustFactory(code="RTH"), email="other.cg@nhs.net")
    _start(client)
    response = client.post("/apply/guardian", {"name": other.name, "email": other.email})
    assert "currently registered" in response.content.decode()


def test_rules_are_checked_again_when_the_application_is_sent(client, guardian):
    _start(client)
    client.post("/apply/users/add", _user(1))
    client.post("/apply/guardian", {"name": "Dr Jane Smith", "email": "jane.smith@nhs.net"})
    # Meanwhile the organisation filled its six submitter places.
    for n in range(6):
        grant(UserFactory(), Role.SUBMITTER, guardian.organisation)
    response = client.post("/apply/check")
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html and "up to 6 submitters" in html
    assert Application.objects.count() == 0
    assert GuardianLink.objects.count() == 0


def test_pages_out_of_order_send_the_applicant_back_to_the_start(client, guardian):
    assert client.get("/apply/primary-contact").url == "/apply/organisation"
    assert client.get("/apply/check").url == "/apply/organisation"
    client.post("/apply/organisation", {"applicant_email": "applicant@nhs.net", "ods_code": "RR8"})
    assert client.get("/apply/users").url == "/apply/primary-contact"
    assert client.get("/apply/sent").url == "/apply/"


def test_a_person_can_be_removed_from_the_list(client, guardian):
    _start(client)
    client.post("/apply/users/add", _user(1))
    client.post("/apply/users/add", _user(2))
    client.post("/apply/users", {"remove": "1"})
    page = client.get("/apply/users").content.decode()
    assert "user.1@nhs.net" not in page and "user.2@nhs.net" in page
    assert "You have added 1 person" in page
    # A stale or made-up number removes nobody.
    client.post("/apply/users", {"remove": "7"})
    client.post("/apply/users", {"remove": "x"})
    assert "user.2@nhs.net" in client.get("/apply/users").content.decode()


def test_the_people_page_asks_whether_anyone_else_needs_access(client, guardian):
    _start(client)
    page = client.get("/apply/users").content.decode()
    # The question is the page's H1, inside the radios' legend.
    assert '<h1 class="nhsuk-fieldset__heading">Does anyone else need access?</h1>' in page
    response = client.post("/apply/users", {})
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html and "Select yes if anyone else needs access" in html
    assert client.post("/apply/users", {"add_another": "yes"}).url == "/apply/users/add"
    client.post("/apply/users/add", _user(1))
    page = client.get("/apply/users").content.decode()
    assert "<h1>You have added 1 person</h1>" in page
    assert "Do you need to add another person?" in page
    assert "Select yes if you need to add another person" in (
        client.post("/apply/users", {}).content.decode()
    )


def test_a_half_typed_person_is_refused_with_the_error_summary_and_kept(client, guardian):
    _start(client)
    response = client.post("/apply/users/add", {"name": "Nia Half", "job_title": "PACS"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html
    assert "Enter the user&#x27;s work email address" in html
    assert "Enter the user&#x27;s telephone number" in html
    assert 'value="Nia Half"' in html
    assert "Nia Half" not in client.get("/apply/users").content.decode()


def test_a_person_can_be_changed_and_keeps_their_place(client, guardian):
    _start(client)
    client.post("/apply/users/add", _user(1))
    client.post("/apply/users/add", _user(2))
    page = client.get("/apply/users/2").content.decode()
    assert "<h1>Change User 2's details</h1>" in page and 'value="user.2@nhs.net"' in page
    # Their own address is not a duplicate of themselves; someone else's is.
    assert client.post("/apply/users/2", _user(2) | {"job_title": "PACS lead"}).url == (
        "/apply/users"
    )
    response = client.post("/apply/users/2", _user(2) | {"email": "user.1@nhs.net"})
    assert "already on the application" in response.content.decode()
    page = client.get("/apply/users").content.decode()
    assert page.index("User 1") < page.index("User 2") and "PACS lead" in page
    assert client.get("/apply/users/3").url == "/apply/users"


def test_check_your_answers_changes_each_row_and_comes_back(client, guardian):
    _start(client)
    client.post("/apply/users/add", _user(1, submitter=False))
    client.post("/apply/guardian", {"name": "Dr Jane Smith", "email": "jane.smith@nhs.net"})
    check = client.get("/apply/check").content.decode()
    for href in (
        "/apply/primary-contact?return=check#id_job_title",
        "/apply/users/1?return=check#id_telephone",
        "/apply/users/1?return=check#id_submitter",
        "/apply/users?return=check",
        "/apply/guardian?return=check",
        "/apply/organisation?return=check",
    ):
        assert f'href="{href}' in check, href
    response = client.post("/apply/users/1?return=check", _user(1) | {"submitter": "on"})
    assert response.url == "/apply/check"
    response = client.post("/apply/primary-contact?return=check", _pc(job_title="Head of PACS"))
    assert response.url == "/apply/check"
    # Adding from check your answers goes through the list, whose "No" comes back.
    assert client.post("/apply/users?return=check", {"add_another": "yes"}).url == (
        "/apply/users/add?return=check"
    )
    assert client.post("/apply/users/add?return=check", _user(2)).url == "/apply/users?return=check"
    assert client.post("/apply/users?return=check", {"add_another": "no"}).url == "/apply/check"
    client.post("/apply/check")
    application = Application.objects.get()
    assert application.primary_contact["job_title"] == "Head of PACS"
    users = [p for p in application.people if not p["primary_contact"]]
    assert all("change_url" not in p for p in application.people)
    assert [(u["email"], u["submitter"]) for u in users] == [
        ("user.1@nhs.net", True),
        ("user.2@nhs.net", True),
    ]


@pytest.mark.parametrize(
    ("changed", "named"),
    [
        ({"job_title": "Head of imaging"}, "The primary contact's job title does not match"),
        ({"telephone": "0113 496 0999"}, "The primary contact's telephone number does not match"),
        (
            {"job_title": "Head of imaging", "email": "pat.l@nhs.net"},
            "The primary contact's job title and email address do not match",
        ),
    ],
)
def test_a_primary_contact_mismatch_says_which_detail_differs(client, guardian, changed, named):
    _held_primary_contact(guardian.organisation)
    client.post("/apply/organisation", {"applicant_email": "applicant@nhs.net", "ods_code": "RR8"})
    html = client.post("/apply/primary-contact", _pc(**changed)).content.decode()
    assert named in html.replace("&#x27;", "'")


def test_the_primary_contact_matches_with_a_title_and_other_spacing(client, guardian):
    _held_primary_contact(guardian.organisation)
    client.post("/apply/organisation", {"applicant_email": "applicant@nhs.net", "ods_code": "RR8"})
    response = client.post("/apply/primary-contact", _pc(name="Mr  PAT lee"))
    assert response.status_code == 302


def test_the_guardian_matches_the_register_without_its_title(client, guardian):
    _start(client)
    response = client.post("/apply/guardian", {"name": "jane smith", "email": guardian.email})
    assert response.url == "/apply/check"
