"""Service-desk pages: submissions by organisation and period, and whom to chase."""

from django.contrib import messages
from django.db import IntegrityError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.accounts import permissions
from portal.submissions import authority, calendar, desk
from portal.submissions.forms import AuthorityForm, EndAuthorityForm
from portal.submissions.models import SubmissionAuthority


@permissions.require("portal.service_desk")
@require_GET
def overview(request):
    periods = list(reversed(calendar.recent_periods(count=6)))
    return render(
        request,
        "submissions/desk_overview.html",
        {"periods": periods, "rows": desk.matrix(periods)},
    )


def _period(value) -> str:
    try:
        calendar.parse_period(value or "")
    except calendar.InvalidPeriod:
        return calendar.last_month()
    return value


@permissions.require("portal.service_desk")
@require_GET
def non_submitters(request):
    period = _period(request.GET.get("period"))
    reminders = desk.reminders_for(period)
    rows = [
        (
            organisation,
            list(desk.contacts(organisation, desk.REMINDED)),
            reminders.get(organisation.pk, []),
        )
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
            "remindable": sum(1 for _, people, _ in rows if people),
        },
    )


@permissions.require("portal.service_desk")
@require_POST
def send_reminders(request):
    """Remind one organisation (`organisation`) or every one on the list (`all`)."""
    period = _period(request.POST.get("period"))
    if request.POST.get("organisation"):
        organisations = [
            get_object_or_404(desk.non_submitters(period), code=request.POST["organisation"])
        ]
    else:
        organisations = list(desk.non_submitters(period))
    sent, nobody = [], []
    for organisation in organisations:
        try:
            desk.send_reminder(organisation, period, sent_by=request.user)
        except desk.NoContacts:
            nobody.append(organisation.code)
        except IntegrityError:
            continue
        else:
            sent.append(organisation.code)
    label = calendar.period_label(period)
    if sent:
        messages.success(request, f"Reminder sent for {label} to {', '.join(sent)}.")
    if nobody:
        messages.warning(
            request, f"Not reminded, no contacts: {', '.join(nobody)}. Find a contact for them."
        )
    return redirect(reverse("submissions:desk-non-submitters") + f"?period={period}")


@permissions.require("portal.service_desk")
@require_http_methods(["GET", "POST"])
def authorities(request):
    """Who submits on behalf of whom: the list, and recording a new relationship."""
    form = AuthorityForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            authority.record_authority(
                request.user,
                data["organisation"],
                data["provider"],
                data["valid_from"],
                data["valid_until"],
                data["note"],
            )
        except authority.AuthorityRefused as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                f"Recorded: {data['organisation'].code} submits for {data['provider'].code}.",
            )
            return redirect("submissions:desk-authorities")
    return render(
        request,
        "submissions/desk_authorities.html",
        {
            "form": form,
            "authorities": SubmissionAuthority.objects.select_related(
                "organisation", "provider", "recorded_by"
            ),
            "end_form": EndAuthorityForm(),
        },
        status=400 if form.errors else 200,
    )


@permissions.require("portal.service_desk")
@require_POST
def end_authority(request, authority_id):
    row = get_object_or_404(SubmissionAuthority, pk=authority_id)
    form = EndAuthorityForm(request.POST)
    if form.is_valid():
        try:
            authority.end_authority(request.user, row, form.cleaned_data["until"])
        except authority.AuthorityRefused as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"{row.organisation.code} for {row.provider.code} ended.")
    else:
        messages.error(request, "Enter the last day like 2027-03-31.")
    return redirect("submissions:desk-authorities")
