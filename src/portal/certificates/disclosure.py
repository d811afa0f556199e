""" "Who are our contacts?": the list of an organisation's primary contact and submitters
goes only to its currently registered Caldicott Guardian(s), by a single-use link emailed
to the registered address. Whoever asks learns nothing; every request is audited.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from portal.accounts.models import Membership
from portal.accounts.roles import Role
from portal.audit.services import record
from portal.certificates import emails
from portal.certificates.models import CaldicottGuardian, DisclosureLink
from portal.certificates.rules import hash_token, new_token
from portal.organisations.models import Organisation


def _links_in_last_day(guardian: CaldicottGuardian, now) -> int:
    return DisclosureLink.objects.filter(
        guardian=guardian, created_at__gt=now - timedelta(days=1)
    ).count()


@transaction.atomic
def request_contacts(code: str, *, ip_address: str | None) -> int:
    """Email each current guardian of the organisation a link. Returns how many were sent,
    for the audit and tests only: the person asking must never be told."""
    code = (code or "").strip().upper()[:12]
    organisation = Organisation.objects.filter(code=code).first()
    guardians = (
        list(CaldicottGuardian.objects.current().filter(organisation=organisation))
        if organisation
        else []
    )
    now = timezone.now()
    # Past the daily cap the guardian is not emailed again; the person asking sees the same
    # answer as everyone else, so the cap reveals nothing either.
    cap = settings.CONTACTS_LINKS_PER_GUARDIAN_PER_DAY
    capped = [g for g in guardians if _links_in_last_day(g, now) >= cap]
    guardians = [g for g in guardians if g not in capped]
    for guardian in guardians:
        token, token_hash = new_token()
        link = DisclosureLink.objects.create(
            organisation=organisation,
            guardian=guardian,
            token_hash=token_hash,
            created_at=now,
            expires_at=now + settings.GUARDIAN_LINK_VALID_FOR,
        )
        emails.send(
            emails.CONTACTS_DISCLOSURE,
            guardian.email,
            {
                "guardian_name": guardian.name,
                "organisation_name": organisation.name,
                "disclosure_link": emails.absolute(
                    reverse("certificates:contacts-disclosure", args=[token])
                ),
                "expires_on": timezone.localtime(link.expires_at).strftime("%-d %B %Y at %H:%M"),
            },
        )
    record(
        "anonymous",
        "certificates.contacts_requested",
        target=f"ods:{code}",
        organisation=organisation,
        details={
            "ods_code": code,
            "organisation_found": organisation is not None,
            "guardians_emailed": [g.email for g in guardians],
            "guardians_not_emailed_daily_cap": [g.email for g in capped],
            "ip_address": ip_address or "",
        },
    )
    return len(guardians)


@dataclass(frozen=True)
class Contacts:
    organisation: Organisation
    primary_contact: object | None
    submitters: list


def check_disclosure_link(token: str) -> tuple[DisclosureLink | None, str | None]:
    link = (
        DisclosureLink.objects.select_related("organisation", "guardian")
        .filter(token_hash=hash_token(token))
        .first()
    )
    if link is None:
        return None, "unknown"
    if link.used_at is not None:
        return link, "used"
    if link.is_expired:
        return link, "expired"
    if not link.guardian.is_current():
        return link, "not_registered"
    return link, None


def record_refusal(link: DisclosureLink, problem: str, *, ip_address: str | None) -> None:
    """A known link that shows nothing (used, expired, or its guardian no longer registered)
    is audited: it may be a forwarded email or a former guardian trying again."""
    record(
        f"Caldicott Guardian: {link.guardian.email}",
        "certificates.contacts_refused",
        target=f"ods:{link.organisation.code}",
        organisation=link.organisation,
        details={
            "guardian_email": link.guardian.email,
            "reason": problem,
            "ip_address": ip_address or "",
        },
    )


def contacts_of(organisation: Organisation) -> Contacts:
    active = Membership.objects.active(organisation=organisation).select_related("user")
    primary = next((m.user for m in active if m.role == Role.PRIMARY_CONTACT), None)
    submitters = sorted(
        (m.user for m in active if m.role == Role.SUBMITTER), key=lambda u: u.full_name.lower()
    )
    return Contacts(organisation, primary, submitters)


@transaction.atomic
def open_disclosure(token: str, *, ip_address: str | None, user_agent: str) -> Contacts | None:
    """Use the link once: returns the contacts, or None if the link does not work."""
    link, problem = check_disclosure_link(token)
    if problem:
        return None
    link = DisclosureLink.objects.select_for_update().get(pk=link.pk)
    if link.used_at is not None:
        return None
    link.used_at = timezone.now()
    link.save(update_fields=["used_at"])
    contacts = contacts_of(link.organisation)
    record(
        f"Caldicott Guardian: {link.guardian.email}",
        "certificates.contacts_disclosed",
        target=f"ods:{link.organisation.code}",
        organisation=link.organisation,
        details={
            "guardian_email": link.guardian.email,
            "ip_address": ip_address or "",
            "submitters": len(contacts.submitters),
        },
    )
    return contacts
