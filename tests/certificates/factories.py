import datetime
import re

import factory

from portal.certificates.models import CaldicottGuardian
from portal.certificates.rules import person_record
from portal.notify.models import OutboxMessage
from tests.organisations.factories import TrustFactory


class GuardianFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CaldicottGuardian

    organisation = factory.SubFactory(TrustFactory)
    name = factory.Sequence(lambda n: f"Dr Guardian {n}")
    email = factory.Sequence(lambda n: f"guardian.{n}@example.nhs.uk")
    telephone = "0113 496 0100"
    registered_from = datetime.date(2020, 4, 1)
    registered_to = None


def person(n, *, primary_contact=False, submitter=True, **overrides):
    details = {
        "name": f"Person {n}",
        "job_title": "Radiographer",
        "email": f"person.{n}@example.nhs.uk",
        "telephone": "0113 496 0000",
        **overrides,
    }
    return person_record(**details, primary_contact=primary_contact, submitter=submitter)


def content(guardian, *, people=None, changes_primary_contact=False):
    """A complete application document for the guardian's organisation."""
    return {
        "organisation": {"code": guardian.organisation.code},
        "people": people
        if people is not None
        else [person(0, primary_contact=True, submitter=False), person(1), person(2)],
        "changes_primary_contact": changes_primary_contact,
        "guardian": {"name": guardian.name, "email": guardian.email},
    }


def emails_to(address):
    return list(OutboxMessage.objects.filter(to=address.lower()).order_by("id"))


def link_in(message, kind="guardian"):
    match = re.search(rf"https?://\S+/{kind}/(\S+)", message.body)
    assert match, message.body
    return match.group(1)
