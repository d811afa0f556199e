"""The people at an organisation, revoking access, and outstanding invitations."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from portal.accounts import permissions, recovery, services
from portal.accounts.forms import RevokeForm


def _organisation_for_manager(request, code):
    return permissions.organisation_or_404(request.user, "organisations.manage_people", code)


@require_http_methods(["GET"])
def people(request, code):
    """The organisation's people: who has access, the certificate, invitations not yet used.
    Its primary contact sees it too; only those who manage people can remove access."""
    organisation = permissions.organisation_or_404(request.user, "organisations.see_people", code)
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
    person = get_object_or_404(permissions.people_with(organisation), pk=user_id)
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


@permissions.require("portal.service_desk")
@require_POST
def reset_authenticator(request, code, user_id):
    organisation = permissions.organisation_or_404(request.user, "portal.service_desk", code)
    person = get_object_or_404(
        permissions.people_with(organisation).filter(totp_confirmed_at__isnull=False), pk=user_id
    )
    recovery.reset_authenticator(person, actor=request.user)
    messages.info(
        request,
        f"{person.full_name or person.email}'s authenticator has been reset. We have emailed "
        "them a link to set up their account again.",
    )
    return redirect("accounts:people", code=organisation.code)


@permissions.require("portal.service_desk")
@require_http_methods(["GET"])
def invitations(request):
    return render(
        request,
        "accounts/invitations.html",
        {"invitations": services.outstanding_invitations()},
    )


@permissions.require("portal.service_desk")
@require_POST
def reinvite(request, invitation_id):
    invitation = get_object_or_404(services.outstanding_invitations(), pk=invitation_id)
    services.reinvite(invitation, actor=request.user)
    messages.info(request, f"A new invitation has been sent to {invitation.user.email}.")
    return redirect("accounts:invitations")
