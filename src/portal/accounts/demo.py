"""Demo people for `make run`: activated accounts with fixed TOTP secrets, and one invitation.

The secrets are printed with the logins so a demo user can add them to an authenticator app,
or run `portal demo-code EMAIL` to see the current code. Demo data only.
"""

from django.utils import timezone

from portal.accounts import services
from portal.accounts.models import Invitation, User
from portal.accounts.roles import Role
from portal.organisations.models import Organisation

DEMO_PASSWORD = "demo-password-change-me"  # noqa: S105 - printed for the demo only
SERVICE_DESK_EMAIL = "service.desk@example.nhs.uk"
DEMO_TRUST = "RR8"  # Leeds Teaching Hospitals NHS Trust
INVITED_TRUST = "RJ1"  # Guy's and St Thomas' NHS Foundation Trust

# (email, name, job title, role, organisation code or None, fixed base32 TOTP secret)
DEMO_PEOPLE = [
    (SERVICE_DESK_EMAIL, "Sam Desk", "Service desk analyst", Role.SERVICE_DESK, None,
     "DEMODESKDEMODESKDEMODESKDEMODESK"),
    # The same person as Leeds's entry on the Caldicott Guardian register (certificates demo).
    ("amelia.hart@example.nhs.uk", "Dr Amelia Hart", "Caldicott Guardian",
     Role.CALDICOTT_GUARDIAN, DEMO_TRUST, "DEMOGUARDDEMOGUARDDEMOGUARDDEMOG"),
    ("contact.rr8@example.nhs.uk", "Priya Contact", "Head of radiology informatics",
     Role.PRIMARY_CONTACT, DEMO_TRUST, "DEMOCONTACTDEMOCONTACTDEMOCONTAC"),
    ("submitter1.rr8@example.nhs.uk", "Sanjay Submitter", "PACS and RIS manager",
     Role.SUBMITTER, DEMO_TRUST, "DEMOSUBONEDEMOSUBONEDEMOSUBONEDE"),
    ("submitter2.rr8@example.nhs.uk", "Sara Submitter", "Radiology data analyst",
     Role.SUBMITTER, DEMO_TRUST, "DEMOSUBTWODEMOSUBTWODEMOSUBTWODE"),
]  # fmt: skip
INVITED = ("invited.rj1@example.nhs.uk", "Ian Invited", "Imaging services manager")
DEMO_SECRETS = {secret for *_, secret in DEMO_PEOPLE}


def _activated(email, name, job_title, secret) -> User:
    user = services.upsert_person(
        email=email, full_name=name, job_title=job_title, telephone="0113 496 0000", actor="demo"
    )
    if not (user.has_usable_password() and user.check_password(DEMO_PASSWORD)):
        user.set_password(DEMO_PASSWORD)
    if user.totp_secret != secret or not user.totp_confirmed_at:
        user.totp_secret = secret
        user.totp_confirmed_at = timezone.now()
    user.is_active = True
    user.activated_at = user.activated_at or timezone.now()
    user.save()
    return user


def load(stdout) -> list[str]:
    organisations = Organisation.objects.in_bulk([DEMO_TRUST, INVITED_TRUST], field_name="code")
    lines = []
    for email, name, job_title, role, code, secret in DEMO_PEOPLE:
        user = _activated(email, name, job_title, secret)
        organisation = organisations.get(code) if code else None
        if code and organisation is None:
            continue  # demo organisations not loaded
        services.grant_role(user, role, organisation, actor="demo")
        where = f" ({code})" if code else ""
        lines.append(f"{Role(role).label}{where}: {email} / {DEMO_PASSWORD} / TOTP secret {secret}")
    lines.append(
        "Security codes: add the TOTP secret to an authenticator app, or run "
        "`.venv/bin/portal demo-code EMAIL`."
    )
    invited_trust = organisations.get(INVITED_TRUST)
    if invited_trust is not None:
        email, name, job_title = INVITED
        person = services.upsert_person(
            email=email, full_name=name, job_title=job_title, telephone="020 7188 7188",
            actor="demo",
        )  # fmt: skip
        services.grant_role(person, Role.PRIMARY_CONTACT, invited_trust, actor="demo")
        waiting = Invitation.objects.filter(
            user=person, used_at__isnull=True, superseded_at__isnull=True
        ).exists()
        if not waiting and not person.is_active:
            services.send_invitation(person, organisation=invited_trust, actor="demo")
        lines.append(
            f"Invited, not yet activated ({INVITED_TRUST}): {email}; the service desk can read "
            f"the invitation email at http://127.0.0.1:8000/outbox"
        )
    return lines
