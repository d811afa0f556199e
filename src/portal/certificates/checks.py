"""The certificate's rules that look at the database: the organisation must be open, the
primary contact must match the one held, at most 6 submitters, a registered guardian.

Each check returns plain-English problems; the forms show them in the NHS.UK error summary
and the services run them again before anything is stored.
"""

from django.utils import timezone

from portal.accounts.models import Membership
from portal.accounts.roles import MAX_SUBMITTERS, Role
from portal.certificates.models import CaldicottGuardian
from portal.certificates.rules import (
    GENERIC_EMAIL_ERROR,
    TELEPHONE_ERROR,
    is_generic_mailbox,
    normalise_telephone,
    same_name,
    same_text,
)
from portal.organisations.models import Organisation

MAX_USERS = 6


def find_open_organisation(code: str) -> tuple[Organisation | None, str | None]:
    """The organisation with this ODS code if it exists and is open today, else a problem."""
    code = (code or "").strip().upper()
    if not code:
        return None, "Enter your organisation's ODS code"
    organisation = Organisation.objects.filter(code=code).first()
    if organisation is None:
        return None, (
            f"We cannot find an organisation with the ODS code {code}. "
            "Check the code on the ODS portal"
        )
    today = timezone.localdate()
    if not organisation.is_open_on(today):
        if organisation.close_date and organisation.close_date < today:
            return None, (
                f"{organisation.name} ({code}) closed on "
                f"{organisation.close_date:%-d %B %Y}. Enter the code of an open organisation"
            )
        return None, f"{organisation.name} ({code}) is not open yet"
    return organisation, None


def current_primary_contact(organisation: Organisation):
    membership = (
        Membership.objects.active(organisation=organisation, roles=[Role.PRIMARY_CONTACT])
        .select_related("user")
        .first()
    )
    return membership.user if membership else None


def primary_contact_differences(organisation: Organisation, person: dict) -> list[str]:
    """Which of the details differ from the primary contact held (none when none is held)."""
    held = current_primary_contact(organisation)
    if held is None:
        return []
    differences = []
    if not same_name(held.full_name, person["name"]):
        differences.append("name")
    if not same_text(held.job_title, person["job_title"]):
        differences.append("job title")
    if held.email.strip().lower() != person["email"].strip().lower():
        differences.append("email address")
    if (normalise_telephone(held.telephone) or held.telephone.strip()) != (
        normalise_telephone(person["telephone"]) or person["telephone"].strip()
    ):
        differences.append("telephone number")
    return differences


def matches_primary_contact_held(organisation: Organisation, person: dict) -> bool:
    """True when the details equal the primary contact held, or when none is held yet."""
    return not primary_contact_differences(organisation, person)


def primary_contact_mismatch(differences: list[str]) -> str:
    """The error naming what differs, e.g. "The primary contact's job title and telephone
    number do not match the ones we hold for your organisation…"."""
    named = (
        differences[0]
        if len(differences) == 1
        else ", ".join(differences[:-1]) + " and " + differences[-1]
    )
    verb = "does not match the one" if len(differences) == 1 else "do not match the ones"
    return (
        f"The primary contact's {named} {verb} we hold for your organisation. "
        "Give the same name, job title, email address and telephone number as before, or "
        "tick the box to say this application changes your primary contact"
    )


def active_submitter_emails(organisation: Organisation) -> set[str]:
    return {
        email.lower()
        for email in Membership.objects.active(
            organisation=organisation, roles=[Role.SUBMITTER]
        ).values_list("user__email", flat=True)
    }


def submitter_limit_problem(organisation: Organisation, people: list[dict]) -> str | None:
    """At most 6 active submitters per organisation, counting those already active."""
    active = active_submitter_emails(organisation)
    new = {p["email"].lower() for p in people if p.get("submitter")} - active
    if len(active) + len(new) <= MAX_SUBMITTERS:
        return None
    room = max(MAX_SUBMITTERS - len(active), 0)
    return (
        f"An organisation can have up to {MAX_SUBMITTERS} submitters. "
        f"{organisation.name} already has {len(active)}, so this application can add "
        f"{room} more but asks for {len(new)}. Untick submitter access for someone, or ask "
        "the service desk to remove a submitter who no longer needs access"
    )


def duplicate_emails(people: list[dict]) -> set[str]:
    seen, duplicates = set(), set()
    for person in people:
        email = person["email"].lower()
        (duplicates if email in seen else seen).add(email)
    return duplicates


def match_guardian(organisation: Organisation, name: str, email: str) -> CaldicottGuardian | None:
    """The currently registered guardian with this name and registered email, if any."""
    email = (email or "").strip().lower()
    for guardian in CaldicottGuardian.objects.current().filter(organisation=organisation):
        if guardian.email.lower() == email and same_name(guardian.name, name):
            return guardian
    return None


GUARDIAN_NOT_FOUND = (
    "The name and email address do not match a Caldicott Guardian currently registered "
    "for your organisation. Enter them exactly as registered with ODS, or ask your "
    "guardian to register with ODS first"
)


def application_problems(content: dict) -> list[tuple[str, str]]:
    """Every rule of the form, checked on a complete application: (where, message) pairs.

    `where` names the question page to change ("organisation", "primary-contact",
    "users" or "guardian").
    """
    problems: list[tuple[str, str]] = []
    organisation, problem = find_open_organisation(content.get("organisation", {}).get("code"))
    if problem:
        return [("organisation", problem)]
    people = content.get("people", [])
    primary = [p for p in people if p.get("primary_contact")]
    if len(primary) != 1:
        problems.append(("primary-contact", "Give exactly one primary contact"))
    elif not content.get("changes_primary_contact") and (
        differences := primary_contact_differences(organisation, primary[0])
    ):
        problems.append(("primary-contact", primary_contact_mismatch(differences)))
    for person in people:
        where = "primary-contact" if person.get("primary_contact") else "users"
        if is_generic_mailbox(person["email"]):
            problems.append((where, f"{person['name']}: {GENERIC_EMAIL_ERROR}"))
        if normalise_telephone(person["telephone"]) is None:
            problems.append((where, f"{person['name']}: {TELEPHONE_ERROR}"))
    if len(people) - len(primary) > MAX_USERS:
        problems.append(("users", f"You can add up to {MAX_USERS} users on one certificate"))
    for email in sorted(duplicate_emails(people)):
        problems.append(("users", f"{email} is given for more than one person"))
    limit = submitter_limit_problem(organisation, people)
    if limit:
        problems.append(("users", limit))
    guardian = content.get("guardian", {})
    if not match_guardian(organisation, guardian.get("name", ""), guardian.get("email", "")):
        problems.append(("guardian", GUARDIAN_NOT_FOUND))
    return problems
