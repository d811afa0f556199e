from django.conf import settings
from django.http import HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token
from django.views.decorators.http import require_GET

from portal.accounts import permissions
from portal.accounts.roles import Role
from portal.accounts.services import organisations_with_roles
from portal.core.context_processors import SERVICE_NAME
from portal.core.health import queue_depths, run_checks
from portal.core.public import public


@public
@require_GET
def home(request):
    return render(request, "core/home.html")


@public
@require_GET
def healthz(request):
    results = run_checks()
    healthy = all(value == "ok" for value in results.values())
    return JsonResponse({**results, "queue_depth": queue_depths()}, status=200 if healthy else 503)


@require_GET
def dashboard(request):
    user = request.user
    organisations = organisations_with_roles(user)
    # Organisations whose home for the Caldicott Guardian this person may open.
    guardian_of = {
        organisation.pk
        for organisation, roles, *_ in organisations
        if Role.CALDICOTT_GUARDIAN.label in roles
        and permissions.is_current_guardian_of(user, organisation)
    }
    return render(
        request,
        "core/dashboard.html",
        {"organisations": organisations, "guardian_of": guardian_of},
    )


def _information_page(template):
    @public
    @require_GET
    def view(request):
        return render(
            request,
            template,
            {
                "service_desk_email": settings.SERVICE_DESK_EMAIL,
                "raw_upload_retention_days": getattr(
                    settings, "SUBMISSIONS_RAW_UPLOAD_RETENTION_DAYS", 30
                ),
            },
        )

    view.__name__ = template.rsplit("/", 1)[-1].removesuffix(".html")
    return view


accessibility = _information_page("core/pages/accessibility.html")
privacy = _information_page("core/pages/privacy.html")
cookies = _information_page("core/pages/cookies.html")
contact = _information_page("core/pages/contact.html")


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: a lost session or a stale form gets a page with a way forward,
    not Django's technical one. The reason is for developers and is not shown."""
    return render(request, "403_csrf.html", status=403)


@requires_csrf_token
def server_error(request):
    """handler500, rendered without the request's context processors or database (either
    may be what failed), so only what the page needs is given to it."""
    template = loader.get_template("500.html")
    return HttpResponseServerError(template.render({"service_name": SERVICE_NAME}))
