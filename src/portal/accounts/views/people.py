"""The people at an organisation, revoking access, and outstanding invitations."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from portal.accounts import services
from portal.accounts.forms import RevokeForm
from portal.accounts.models import User
from portal.organisations.models import Organisation


def _organisation_for_manager(request, code):
    organisation = get_object_or_404(Organisation, code=code.upper())
    # Anyone else gets the same 404 as for an organisation that does not exist.
    if not services.can_manage_people(request.user, organisation):
        raise Http404("No such organisation")
    return organisation


def _require_service_desk(request):
    if not request.user.is_service_desk:
        raise Http404("Not found")


@require_http_methods(["GET"])
def people(request, code):
    """The organisation's people: who has access, the certificate, invitations not yet used.
    Its primary contact sees it too; only those who manage people can remove access."""
    organisation = get_object_or_404(Organisation, code=code.upper())
    if not services.can_see_people(request.user, organisation):
        raise Http404("No such organisation")
    return render(
        request,
        "accounts/people.html",
        {
            "organisation": organisation,
            "people": services.people_at(organisation),
            "status": services.organisation_status(organisation),
            "can_manage": services.can_manage_people(request.user, organisation),
            "now": timezone.now(),
        },
    )


@require_http_methods(["GET", "POST"])
def revoke(request, code, user_id):
    organisation = _organisation_for_manager(request, code)
    person = get_object_or_404(
        User,
        pk=user_id,
        memberships__organisation=organisation,
        memberships__revoked_at__isnull=True,
    )
    form = RevokeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.revoke(
            person, organisation, actor=request.user, reason=form.cleaned_data["reason"]
        )
        messages.info(
            request,
            f"{person.full_name or person.email} no longer has access for {organisation.name}.",
        )
        return redirect("accounts:people", code=organisation.code)
    roles = [
        label
        for user, labels in services.people_at(organisation)
        if user == person
        for label in labels
    ]
    return render(
        request,
        "accounts/revoke.html",
        {"organisation": organisation, "person": person, "roles": roles, "form": form},
    )


@require_http_methods(["GET"])
def invitations(request):
    _require_service_desk(request)
    return render(
        request,
        "accounts/invitations.html",
        {"invitations": services.outstanding_invitations()},
    )


@require_POST
def reinvite(request, invitation_id):
    _require_service_desk(request)
    invitation = get_object_or_404(services.outstanding_invitations(), pk=invitation_id)
    services.reinvite(invitation, actor=request.user)
    messages.info(request, f"A new invitation has been sent to {invitation.user.email}.")
    return redirect("accounts:invitations")
