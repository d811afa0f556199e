"""Issue 15: every link in every email resolves for the person it is sent to.

Each email is sent the way the service sends it (by the workflow that sends it, so the
links are the ones people really get), then every link in it is opened as its recipient
would: signed in as them where the page needs an account, anonymous where the email is the
key (guardians, applicants, invited people). A 404, 403 or 500, or being sent to sign in,
fails the test. A template registered without an entry here fails too, so a new email cannot
skip the walk.
"""

import re
from datetime import date
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from portal.accounts import recovery
from portal.accounts.models import User
from portal.accounts.roles import Role
from portal.accounts.services import revoke
from portal.certificates import disclosure, services
from portal.certificates.models import Application
from portal.notify.models import OutboxMessage
from portal.notify.templates import REGISTRY
from portal.submissions import desk
from portal.submissions import services as submission_services
from tests.accounts.factories import UserFactory, grant
from tests.certificates.factories import GuardianFactory, content, person
from tests.organisations.factories import TrustFactory
from tests.submissions.factories import received_submission

pytestmark = pytest.mark.django_db

APPLICANT = "asker@example.nhs.uk"
LINK = re.compile(r"https?://[^\s)>\]]+")

# How each email's recipient opens its links.
ANONYMOUS = "anonymous"  # the email itself is the key, or the page is public
SIGNED_IN = "signed in"  # the recipient has an account and signs in as themselves
RECIPIENTS = {
    "certificate-guardian-review": ANONYMOUS,
    "certificate-contacts": ANONYMOUS,
    "certificate-applicant-sent": ANONYMOUS,
    "certificate-applicant-authorised": ANONYMOUS,
    "certificate-applicant-declined": ANONYMOUS,
    "certificate-applicant-approved": ANONYMOUS,
    "certificate-applicant-rejected": ANONYMOUS,
    "invitation": ANONYMOUS,
    "access-revoked": SIGNED_IN,
    "submission_reminder": SIGNED_IN,
    "password-reset": ANONYMOUS,  # the link is the key: the person cannot sign in
    "submission_failed_desk": SIGNED_IN,
}
# Emails that say what to do without a link.
WITHOUT_LINKS = {"access-revoked"}


class Walker:
    """Opens the links of each email not yet walked, as its recipient would. Called after
    each step, before the next one uses up a single-use link (as its recipient would have
    opened it by then)."""

    def __init__(self):
        self.walked: list[OutboxMessage] = []
        self.failures: list[tuple[str, str]] = []

    def walk(self):
        done = {m.pk for m in self.walked}
        for message in OutboxMessage.objects.exclude(pk__in=done).order_by("id"):
            self.walked.append(message)
            links = LINK.findall(message.body)
            if message.template_name not in WITHOUT_LINKS and not links:
                self.failures.append((message.template_name, "has no link"))
            for link in links:
                self._open(message, link)

    def _open(self, message, link):
        if not link.startswith(settings.PORTAL_BASE_URL.rstrip("/") + "/"):
            self.failures.append((message.template_name, f"{link} is not the portal's"))
            return
        parts = urlsplit(link)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        response = _visitor(message).get(path, follow=True)
        final = response.redirect_chain[-1][0] if response.redirect_chain else path
        if response.status_code != 200 or final.startswith("/sign-in"):
            self.failures.append(
                (
                    message.template_name,
                    f"to {message.to}: {path} answers {response.status_code} at {final}",
                )
            )

    def failures_of(self, names) -> str:
        return "\n".join(f"{name} {problem}" for name, problem in self.failures if name in names)


def _token(link: str) -> str:
    return link.rstrip("/").rsplit("/", 1)[1]


def _authorise(link: str, guardian):
    services.authorise_online(
        _token(link),
        typed_name=guardian.name,
        confirms_primary_contact_change=False,
        ip_address=None,
        user_agent="test",
    )


@pytest.fixture
def walker(service_desk_user):
    """Send every email the service sends, through the workflows that send them, opening
    each one's links as it arrives."""
    walker = Walker()
    trust = TrustFactory(code="RR8", name="LEEDS TEACHING HOSPITALS NHS TRUST")
    guardian = GuardianFactory(organisation=trust, name="Dr Jane Smith")
    people = [
        person(0, primary_contact=True, submitter=False),
        person(1, submitter=True),
        person(2, submitter=False),
    ]

    # Authorised by the guardian, then approved: receipt, review link, both outcomes and
    # the invitations.
    approved, link = services.submit_online(
        content(guardian, people=people), applicant_email=APPLICANT
    )
    walker.walk()
    _authorise(link, guardian)
    services.approve(Application.objects.get(pk=approved.pk), actor=service_desk_user)
    walker.walk()
    # Declined by the guardian, and rejected by the desk.
    _, link = services.submit_online(content(guardian), applicant_email=APPLICANT)
    walker.walk()
    services.decline_online(_token(link), reason="Not needed", ip_address=None)
    rejected, link = services.submit_online(content(guardian), applicant_email=APPLICANT)
    walker.walk()
    _authorise(link, guardian)
    services.reject(
        Application.objects.get(pk=rejected.pk), actor=service_desk_user, reason="Duplicate"
    )
    # The contacts list, asked for by anyone, goes to the guardian.
    disclosure.request_contacts("RR8", ip_address=None)

    # The reminder goes to an organisation's primary contact and submitters: one who is
    # only the primary contact, one who is only a submitter.
    other = TrustFactory(code="RX1", name="EXAMPLE HOSPITALS NHS TRUST")
    grant(UserFactory(email="contact@rx1.nhs.uk"), Role.PRIMARY_CONTACT, other)
    grant(UserFactory(email="submitter@rx1.nhs.uk"), Role.SUBMITTER, other)
    assert desk.send_reminders(on=date(2026, 11, 21)), "no reminders were due"

    # Access removed (sent to the person whose access ended; they still have access at
    # another organisation, so they can sign in).
    leaving = UserFactory(email="leaving@rx1.nhs.uk")
    grant(leaving, Role.SUBMITTER, other)
    grant(leaving, Role.SUBMITTER, trust)
    revoke(leaving, other, actor=service_desk_user, reason="Left the trust")
    walker.walk()

    # A forgotten password: the reset link goes to the person (set up with an
    # authenticator, as every active account is), who is not signed in.
    User.objects.filter(email="submitter@rx1.nhs.uk").update(totp_confirmed_at=timezone.now())
    assert recovery.request_reset("submitter@rx1.nhs.uk", ip_address=None) is not None
    walker.walk()
    # A file the worker gave up on: the service desk is told (as services does on commit).
    submitter = User.objects.get(email="submitter@rx1.nhs.uk")
    failed = received_submission(submitter, other, period="2026-10")
    submission_services._tell_the_desk(failed)
    walker.walk()
    return walker


def _visitor(message) -> Client:
    client = Client()
    if RECIPIENTS[message.template_name] == SIGNED_IN:
        client.force_login(User.objects.get(email=message.to))
    return client


def test_every_template_is_walked():
    assert set(REGISTRY) == set(RECIPIENTS), (
        "Say in RECIPIENTS how the recipient of each email opens its links"
    )


def test_every_link_in_every_email_opens_for_its_recipient(walker):
    sent = {message.template_name for message in walker.walked}
    assert sent == set(REGISTRY), f"not sent by the fixture: {set(REGISTRY) - sent}"
    assert not walker.failures_of(set(REGISTRY))


def test_the_reminders_link_opens_for_a_primary_contact_who_does_not_submit(walker):
    # It used to link every recipient to /submissions/new/, a 404 for such a person.
    assert not walker.failures_of({"submission_reminder"})
