"""Who may submit for whom (issue 16.2, ADR 081).

An organisation submits its own records, and those of the providers the service desk has
recorded it as submitting on behalf of, for the periods the record covers. The engine takes
`providers_for(...)` and rejects records whose site's parent is not in it.
"""

from datetime import date

from django.db import transaction
from django.db.models import Q

from portal.audit.services import record
from portal.organisations.models import Organisation
from portal.submissions import calendar
from portal.submissions.models import SubmissionAuthority


class AuthorityRefused(ValueError):
    """The relationship cannot be recorded as asked; the message is for the person."""


def _code(organisation) -> str:
    return organisation if isinstance(organisation, str) else organisation.code


def in_force(period: str):
    """Relationships in force for any day of the period."""
    first = calendar.parse_period(period)
    last = calendar.last_day(first)
    return SubmissionAuthority.objects.filter(valid_from__lte=last).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=first)
    )


def providers_for(organisation, period: str) -> frozenset[str]:
    """ODS codes whose records `organisation` (an Organisation or its code) may submit for
    `period` ("YYYY-MM"): itself, and the providers it is recorded as submitting for."""
    code = _code(organisation)
    others = (
        in_force(period).filter(organisation__code=code).values_list("provider__code", flat=True)
    )
    return frozenset({code, *others})


def relationships_of_any(organisations):
    """Every relationship naming any of the organisations, either way round."""
    return SubmissionAuthority.objects.filter(
        Q(organisation__in=organisations) | Q(provider__in=organisations)
    ).select_related("organisation", "provider", "recorded_by")


def _overlapping(organisation, provider, valid_from: date, valid_until: date | None):
    rows = SubmissionAuthority.objects.filter(organisation=organisation, provider=provider).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=valid_from)
    )
    if valid_until is not None:
        rows = rows.filter(valid_from__lte=valid_until)
    return rows


def record_authority(
    user, organisation: Organisation, provider: Organisation, valid_from, valid_until, note=""
) -> SubmissionAuthority:
    if organisation.pk == provider.pk:
        raise AuthorityRefused("An organisation always submits for itself: choose another.")
    if valid_until is not None and valid_until < valid_from:
        raise AuthorityRefused("The end date must be the same as or after the start date.")
    with transaction.atomic():
        if _overlapping(organisation, provider, valid_from, valid_until).exists():
            raise AuthorityRefused(
                f"{organisation.code} is already recorded as submitting for {provider.code} "
                "for some of those dates. End that record first."
            )
        authority = SubmissionAuthority.objects.create(
            organisation=organisation,
            provider=provider,
            valid_from=valid_from,
            valid_until=valid_until,
            recorded_by=user,
            note=note,
        )
        record(
            user,
            "submissions.authority_recorded",
            target=f"authority:{authority.pk}",
            organisation=organisation,
            details={
                "provider": provider.code,
                "from": valid_from.isoformat(),
                "until": valid_until.isoformat() if valid_until else None,
            },
        )
    return authority


def end_authority(user, authority: SubmissionAuthority, until: date) -> SubmissionAuthority:
    if until < authority.valid_from:
        raise AuthorityRefused("The end date must be the same as or after the start date.")
    with transaction.atomic():
        authority = SubmissionAuthority.objects.select_for_update().get(pk=authority.pk)
        if authority.valid_until is not None and authority.valid_until <= until:
            raise AuthorityRefused("This record already ends on or before that date.")
        previous = authority.valid_until
        authority.valid_until = until
        authority.save(update_fields=["valid_until"])
        record(
            user,
            "submissions.authority_ended",
            target=f"authority:{authority.pk}",
            organisation=authority.organisation,
            details={
                "provider": authority.provider.code,
                "until": until.isoformat(),
                "was_until": previous.isoformat() if previous else None,
            },
        )
    return authority
