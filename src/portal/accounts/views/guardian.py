"""The Caldicott Guardian's home for one organisation (issue 15)."""

from django.conf import settings
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from portal.accounts import permissions, services
from portal.certificates.guardian_home import guardian_home
from portal.organisations.models import Organisation


@require_GET
def guardian(request, code):
    """What waits for the guardian's signature, what they have signed or declined, their
    organisation's contacts and submitters, and what to do next. Only the organisation's
    current registered guardian sees it; anyone else gets the same 404 as for an
    organisation that does not exist."""
    organisation = get_object_or_404(Organisation, code=code.upper())
    if not permissions.is_current_guardian_of(request.user, organisation):
        raise Http404("No such organisation")
    return render(
        request,
        "accounts/guardian.html",
        {
            "organisation": organisation,
            "home": guardian_home(request.user, organisation),
            "status": services.organisation_status(organisation),
            "service_desk_email": settings.SERVICE_DESK_EMAIL,
        },
    )
