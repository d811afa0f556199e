"""Service-desk pages: submissions by organisation and period, and whom to chase."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.views.decorators.http import require_GET

from portal.accounts.roles import Role
from portal.submissions import calendar, desk


def _require_service_desk(request):
    if not request.user.has_role(Role.SERVICE_DESK):
        raise PermissionDenied("Only the national service desk can see this page")


@require_GET
def overview(request):
    _require_service_desk(request)
    periods = list(reversed(calendar.recent_periods(count=6)))
    return render(
        request,
        "submissions/desk_overview.html",
        {"periods": periods, "rows": desk.matrix(periods)},
    )


@require_GET
def non_submitters(request):
    _require_service_desk(request)
    period = request.GET.get("period") or calendar.last_month()
    try:
        calendar.parse_period(period)
    except calendar.InvalidPeriod:
        period = calendar.last_month()
    rows = [
        (organisation, list(desk.contacts(organisation)))
        for organisation in desk.non_submitters(period)
    ]
    return render(
        request,
        "submissions/desk_non_submitters.html",
        {
            "period": period,
            "period_label": calendar.period_label(period),
            "periods": calendar.recent_periods(),
            "rows": rows,
            "deadlines": calendar.deadlines(period),
        },
    )
