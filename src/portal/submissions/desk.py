"""Service-desk views of the collection: who has submitted, who to chase, reminders."""

from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q

from portal.accounts import permissions
from portal.accounts.models import Membership
from portal.accounts.roles import Role
from portal.audit.services import record
from portal.notify import send as notify_send
from portal.notify.templates import register
from portal.organisations.models import Organisation
from portal.submissions import calendar
from portal.submissions.models import ReminderSent, Status, Submission

REMINDER = register(
    "submission_reminder",
    "Reminder: submit your diagnostic imaging data for ((period))",
    """Dear ((name)),

We have not yet received an accepted Diagnostic Imaging Data Set file from ((organisation)) for ((period)).

To be included in the monthly publication, it must reach us by ((publication_cutoff)). Files for ((period)) are accepted until ((window_closes)).

Submit it here: ((url))

If you have already sent it, please check its report: a rejected file needs correcting and sending again.

National service desk, Submit Diagnostic Imaging Data""",
)


def expected_organisations():
    """Organisations expected to submit: those with an active submitter or primary contact.
    (ODS lists many trusts that do no imaging; access to the portal is the signal.)"""
    return Organisation.objects.filter(
        pk__in=Membership.objects.active(roles=[Role.SUBMITTER, Role.PRIMARY_CONTACT]).values(
            "organisation"
        )
    )


@dataclass
class Cell:
    received: int = 0
    accepted: int = 0
    rejected: int = 0

    @property
    def state(self) -> str:
        if self.accepted:
            return "accepted"
        if self.rejected:
            return "rejected"
        if self.received:
            return "received"
        return "missing"


@dataclass
class Row:
    organisation: Organisation
    cells: list = field(default_factory=list)


def matrix(periods: list[str]) -> list[Row]:
    organisations = list(
        Organisation.objects.filter(
            Q(pk__in=expected_organisations()) | Q(submissions__period__in=periods)
        ).distinct()
    )
    counts = (
        Submission.objects.filter(period__in=periods, organisation__in=organisations)
        .values("organisation_id", "period")
        .annotate(
            received=Count("pk"),
            accepted=Count("pk", filter=Q(status__in=[Status.ACCEPTED, Status.SUPERSEDED])),
            rejected=Count("pk", filter=Q(status=Status.REJECTED)),
        )
    )
    by_key = {(c["organisation_id"], c["period"]): c for c in counts}
    rows = []
    for organisation in organisations:
        row = Row(organisation)
        for period in periods:
            c = by_key.get((organisation.pk, period), {})
            row.cells.append(Cell(c.get("received", 0), c.get("accepted", 0), c.get("rejected", 0)))
        rows.append(row)
    return rows


def non_submitters(period: str):
    """Expected organisations with no accepted file for the period."""
    accepted = Submission.objects.filter(
        period=period, status__in=[Status.ACCEPTED, Status.SUPERSEDED]
    ).values("organisation_id")
    return expected_organisations().exclude(pk__in=accepted).order_by("code")


def contacts(organisation, roles=(Role.PRIMARY_CONTACT,)):
    return permissions.people_with(organisation, *roles).filter(is_active=True)


def reminder_period(on) -> str | None:
    """The period whose publication cut-off is within SUBMISSIONS_REMINDER_DAYS of `on`."""
    period = calendar.last_month(on)
    cutoff = calendar.deadlines(period).publication_cutoff
    days_left = (cutoff - on).days
    if 0 <= days_left <= settings.SUBMISSIONS_REMINDER_DAYS:
        return period
    return None


def send_reminders(on=None) -> list[tuple[str, str, int]]:
    """Email primary contacts and submitters of each organisation that has not submitted,
    once per organisation and period. Returns (organisation, period, recipients) sent."""
    on = on or calendar.today()
    period = reminder_period(on)
    if period is None:
        return []
    limits = calendar.deadlines(period)
    sent = []
    for organisation in non_submitters(period):
        people = list(contacts(organisation, (Role.PRIMARY_CONTACT, Role.SUBMITTER)))
        if not people:
            continue
        try:
            with transaction.atomic():
                ReminderSent.objects.create(
                    organisation=organisation, period=period, recipients=len(people)
                )
                for person in people:
                    notify_send(
                        "submission_reminder",
                        person.email,
                        {
                            "name": person.full_name or person.email,
                            "organisation": organisation.name,
                            "period": calendar.period_label(period),
                            "publication_cutoff": f"{limits.publication_cutoff:%d %B %Y}",
                            "window_closes": f"{limits.window_closes:%d %B %Y}",
                            "url": settings.PORTAL_BASE_URL.rstrip("/") + "/submissions/new/",
                        },
                    )
                record(
                    "system",
                    "submissions.reminder_sent",
                    target=f"organisation:{organisation.code}",
                    organisation=organisation,
                    details={"period": period, "recipients": len(people)},
                )
        except IntegrityError:
            continue  # already reminded for this period (another run got there first)
        sent.append((organisation.code, period, len(people)))
    return sent


def memberships_of(organisation):
    return Membership.objects.active(organisation=organisation)
