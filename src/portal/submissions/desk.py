"""Service-desk views of the collection: who has submitted, who to chase, reminders."""

from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.urls import reverse

from portal.accounts import permissions
from portal.accounts.models import Membership
from portal.accounts.roles import Role
from portal.audit.services import record
from portal.notify import services as notify
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
    period: str = ""

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


def matrix(periods: list[str], organisations=None) -> list[Row]:
    """Per organisation and period: files received, accepted, rejected. By default every
    expected organisation and any that submitted; or only `organisations`."""
    if organisations is None:
        organisations = Organisation.objects.filter(
            Q(pk__in=expected_organisations()) | Q(submissions__period__in=periods)
        ).distinct()
    organisations = list(organisations)
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
            row.cells.append(
                Cell(c.get("received", 0), c.get("accepted", 0), c.get("rejected", 0), period)
            )
        rows.append(row)
    return rows


def non_submitters(period: str):
    """Expected organisations with no accepted file for the period."""
    accepted = Submission.objects.filter(
        period=period, status__in=[Status.ACCEPTED, Status.SUPERSEDED]
    ).values("organisation_id")
    return expected_organisations().exclude(pk__in=accepted).order_by("code")


# Who a reminder goes to.
REMINDED = (Role.PRIMARY_CONTACT, Role.SUBMITTER)


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


class NoContacts(ValueError):
    """The organisation has nobody to remind: no active primary contact or submitter."""


def send_reminder(organisation, period: str, sent_by=None) -> ReminderSent:
    """Email an organisation's primary contacts and submitters about a period, record the
    round (who sent it, when, to whom) and audit it. `sent_by` None is the daily command,
    which sends one round per organisation and period (IntegrityError on a second)."""
    people = list(contacts(organisation, REMINDED))
    if not people:
        raise NoContacts(f"{organisation.name} ({organisation.code}) has no contacts to remind.")
    limits = calendar.deadlines(period)
    base = settings.PORTAL_BASE_URL.rstrip("/")
    with transaction.atomic():
        sent = ReminderSent.objects.create(
            organisation=organisation,
            period=period,
            recipients=len(people),
            sent_by=sent_by,
            recipient_emails=[person.email for person in people],
        )
        for person in people:
            notify.send(
                "submission_reminder",
                person.email,
                {
                    "name": person.full_name or person.email,
                    "organisation": organisation.name,
                    "period": calendar.period_label(period),
                    "publication_cutoff": f"{limits.publication_cutoff:%d %B %Y}",
                    "window_closes": f"{limits.window_closes:%d %B %Y}",
                    "url": base + reminder_path(person, organisation),
                },
            )
        record(
            sent_by or "system",
            "submissions.reminder_sent",
            target=f"organisation:{organisation.code}",
            organisation=organisation,
            details={"period": period, "recipients": len(people), "by_desk": sent_by is not None},
        )
    return sent


def reminder_path(person, organisation) -> str:
    """Where the reminder's link takes this person: submitters to the upload journey, a
    primary contact who does not submit to their organisation's submissions page."""
    submits = person.has_role(Role.SUBMITTER, organisation)
    return reverse("submissions:start") if submits else reverse("submissions:history")


@dataclass(frozen=True)
class ReminderResult:
    code: str
    period: str
    recipients: int  # 0: the organisation has no contacts, so nobody was reminded


def send_reminders(on=None) -> list[ReminderResult]:
    """The daily command: remind each organisation that has not submitted, once per
    organisation and period. Organisations with nobody to remind are returned with 0
    recipients (and audited), not skipped silently."""
    on = on or calendar.today()
    period = reminder_period(on)
    if period is None:
        return []
    results = []
    for organisation in non_submitters(period):
        if ReminderSent.objects.filter(
            organisation=organisation, period=period, sent_by__isnull=True
        ).exists():
            continue
        try:
            sent = send_reminder(organisation, period)
        except NoContacts:
            results.append(ReminderResult(organisation.code, period, 0))
            continue
        except IntegrityError:
            continue  # already reminded for this period (another run got there first)
        results.append(ReminderResult(organisation.code, period, sent.recipients))
    return results


def reminders_for(period: str) -> dict[int, list[ReminderSent]]:
    """Every reminder round for a period, newest first, by organisation id."""
    rounds: dict[int, list[ReminderSent]] = {}
    for sent in ReminderSent.objects.filter(period=period).select_related("sent_by"):
        rounds.setdefault(sent.organisation_id, []).append(sent)
    return rounds


def memberships_of(organisation):
    return Membership.objects.active(organisation=organisation)
