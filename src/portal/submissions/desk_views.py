"""Service-desk pages: submissions by organisation and period, and whom to chase."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from portal.accounts import permissions
from portal.submissions import calendar, desk


@permissions.require("portal.service_desk")
@require_GET
def overview(request):
    periods = list(reversed(calendar.recent_periods(count=6)))
    return render(
        request,
        "submissions/desk_overview.html",
        {"periods": periods, "rows": desk.matrix(periods)},
    )


@permissions.require("portal.service_desk")
@require_GET
def non_submitters(request):
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
