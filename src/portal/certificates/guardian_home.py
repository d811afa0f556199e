"""What a signed-in Caldicott Guardian's home shows for one organisation: what waits for
their signature, what they have signed or declined, and who the organisation's contacts
and submitters are. Access is decided by the caller (permissions.is_current_guardian_of); this
module only gathers, always scoped to the guardian's own register entries there."""

from dataclasses import dataclass

from django.db.models import Q

from portal.certificates.disclosure import Contacts, contacts_of
from portal.certificates.models import (
    Application,
    Authorisation,
    CaldicottGuardian,
    GuardianLink,
    State,
)


@dataclass(frozen=True)
class Waiting:
    application: Application
    link: GuardianLink | None  # the latest link emailed; None if none is usable


@dataclass(frozen=True)
class Decided:
    application: Application
    on: object  # when they signed or declined
    signed: bool


@dataclass(frozen=True)
class GuardianHome:
    waiting: list[Waiting]
    decided: list[Decided]
    contacts: Contacts
    guardian_email: str


def guardian_home(user, organisation) -> GuardianHome:
    # Every register entry of this person at this organisation, including ended ones, so a
    # guardian re-registered under a new entry still sees what they signed before.
    entries = CaldicottGuardian.objects.filter(organisation=organisation, email__iexact=user.email)
    applications = Application.objects.filter(organisation=organisation, guardian__in=entries)
    waiting = []
    for application in applications.filter(state=State.AWAITING_GUARDIAN).order_by("created_at"):
        link = (
            application.guardian_links.filter(used_at__isnull=True, superseded_at__isnull=True)
            .order_by("-created_at")
            .first()
        )
        waiting.append(Waiting(application, link))
    decided = [
        Decided(a.application, a.authorised_at, True)
        for a in Authorisation.objects.filter(guardian__in=entries, application__in=applications)
        .select_related("application")
        .order_by("-authorised_at")
    ]
    signed = {d.application.pk for d in decided}
    for application in applications.filter(Q(state=State.DECLINED) & ~Q(pk__in=signed)).order_by(
        "-state_changed_at"
    ):
        decided.append(Decided(application, application.state_changed_at, False))
    decided.sort(key=lambda d: d.on, reverse=True)
    return GuardianHome(
        waiting=waiting,
        decided=decided,
        contacts=contacts_of(organisation),
        guardian_email=user.email,
    )
