"""Demo certificates for `make run`: registered guardians for Leeds (RR8) and Oxford (RTH),
one application waiting for its guardian and one waiting for the service desk.

Idempotent: a second run finds what the first made. The guardian's link is printed
(demo only) so the signing step can be tried without reading the outbox.
"""

import datetime
import hashlib
import hmac

from django.conf import settings
from django.urls import reverse

from portal.certificates import checks, emails, services
from portal.certificates.models import Application, CaldicottGuardian, GuardianLink
from portal.certificates.rules import hash_token, person_record
from portal.organisations.models import Organisation

GUARDIANS = {
    "RR8": ("Dr Amelia Hart", "amelia.hart@example.nhs.uk", "0113 496 0100"),
    "RTH": ("Dr Owen Price", "owen.price@example.nhs.uk", "01865 496 000"),
}


def _guardian(code) -> CaldicottGuardian:
    name, email, telephone = GUARDIANS[code]
    organisation = Organisation.objects.get(code=code)
    guardian, _ = CaldicottGuardian.objects.get_or_create(
        organisation=organisation,
        email=email,
        defaults={
            "name": name,
            "telephone": telephone,
            "registered_from": datetime.date(2024, 4, 1),
        },
    )
    return guardian


def _content(guardian, slug):
    organisation = guardian.organisation
    held = checks.current_primary_contact(organisation)
    if held is not None:
        # Keep to the form's rule: the same primary contact details as those held.
        primary = person_record(
            name=held.full_name,
            job_title=held.job_title,
            email=held.email,
            telephone=held.telephone,
            primary_contact=True,
        )
    else:
        primary = person_record(
            name=f"Robin {slug.title()}",
            job_title="PACS manager",
            email=f"robin.{slug}@example.nhs.uk",
            telephone="0113 496 0200",
            primary_contact=True,
        )
    newcomer = person_record(
        name=f"Alex {slug.title()}",
        job_title="Radiographer",
        email=f"alex.{slug}@example.nhs.uk",
        telephone="07700 900 321",
        submitter=True,
    )
    return {
        "organisation": {"code": organisation.code},
        "people": [primary, newcomer],
        "changes_primary_contact": False,
        "guardian": {"name": guardian.name, "email": guardian.email},
    }


def _demo_token(application) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"demo-guardian-{application.pk}".encode(), hashlib.sha256).hexdigest()


def load(stdout) -> list[str]:
    leeds, oxford = _guardian("RR8"), _guardian("RTH")

    waiting = Application.objects.filter(guardian=leeds).order_by("id").first()
    if waiting is None:
        waiting, _ = services.submit_online(_content(leeds, "leeds"), ip_address="127.0.0.1")
    token = _demo_token(waiting)
    if not GuardianLink.objects.filter(token_hash=hash_token(token)).exists():
        services.issue_guardian_link(waiting, token=token)

    if not Application.objects.filter(guardian=oxford).exists():
        application, url = services.submit_online(
            _content(oxford, "oxford"), ip_address="127.0.0.1"
        )
        services.authorise_online(
            url.rsplit("/", 1)[-1],
            typed_name=oxford.name,
            confirms_primary_contact_change=False,
            ip_address="127.0.0.1",
            user_agent="portal load_demo",
        )

    link = emails.absolute(reverse("certificates:guardian-review", args=[token]))
    stdout.write("Demo certificates: RR8 waiting for its guardian, RTH waiting for the desk.")
    return [
        f"Caldicott Guardians (register): {leeds.name} for RR8, {oxford.name} for RTH",
        f"{leeds.name}'s link to sign {waiting.reference} (demo only; type the name to sign): "
        f"{link}",
    ]
