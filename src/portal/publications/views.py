"""Public statistics pages: no sign-in. Every number shown comes from the release files,
which were disclosure-controlled before they were written."""

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from did.publish.release import table_xlsx
from did.publish.tables import TABLES
from portal.core.public import public
from portal.publications import presenters, services
from portal.publications.quality import dashboard as quality_dashboard

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _release_or_404(slug):
    release = services.get_release(slug)
    if release is None:
        raise Http404("No release with that name.")
    return release


@public
@require_GET
def index(request):
    releases = services.latest_releases()
    return render(
        request,
        "publications/index.html",
        {"releases": releases, "latest": releases[0] if releases else None},
    )


@public
@require_GET
def release(request, slug):
    release = _release_or_404(slug)
    sections = presenters.sections(release)
    for section in sections:
        if section.chart:
            section.svg = mark_safe(presenters.chart_svg(release, section.chart))  # noqa: S308 - escaped in charts.py
    versions = services.Release.objects.filter(name=release.name).order_by("-version")
    return render(
        request,
        "publications/release.html",
        {
            "release": release,
            "headline": presenters.headline(release),
            "sections": sections,
            "versions": versions,
            "tables": [TABLES[name] for name in release.table_names if name in TABLES],
            "is_latest_version": versions.first() == release,
        },
    )


@public
@require_GET
def provider_index(request, slug):
    release = _release_or_404(slug)
    return render(
        request,
        "publications/providers.html",
        {"release": release, "providers": presenters.providers(release)},
    )


@public
@require_GET
def provider(request, slug, code):
    release = _release_or_404(slug)
    found = presenters.find_provider(release, code)
    if found is None:
        raise Http404("No provider with that code in this release.")
    sections = presenters.provider_sections(release, found)
    for section in sections:
        if section.svg:
            section.svg = mark_safe(section.svg)  # noqa: S308 - escaped in charts.py
    return render(
        request,
        "publications/provider.html",
        {"release": release, "provider": found, "sections": sections},
    )


@require_GET
def quality_index(request):
    organisations = services.quality_organisations(request.user).order_by("name")
    return render(request, "publications/quality_index.html", {"organisations": organisations})


@require_GET
def quality(request, code):
    """A provider's data-quality dashboard: its people and the service desk only; anyone
    else gets the same 404 as for a code that does not exist."""
    organisation = get_object_or_404(services.quality_organisations(request.user), code=code)
    board = quality_dashboard(organisation.code)
    return render(
        request,
        "publications/quality.html",
        {"organisation": organisation, "dashboard": board},
    )


@public
@require_GET
def table_download(request, slug, table, extension):
    release = _release_or_404(slug)
    if extension not in CONTENT_TYPES:
        raise Http404("Tables download as CSV, XLSX or JSON.")
    if extension == "xlsx":
        frame = services.load_table(release, table)
        if frame is None:
            raise Http404("No such table in this release.")
        content = table_xlsx(table, frame, release.slug)
    else:
        content = services.table_bytes(release, table, extension)
        if content is None:
            raise Http404("No such table in this release.")
    response = HttpResponse(content, content_type=CONTENT_TYPES[extension])
    response["Content-Disposition"] = (
        f'attachment; filename="did-{release.slug}-{table}.{extension}"'
    )
    return response


@public
@require_GET
def table_1_download(request, slug, extension):
    """Table 1 as NHS England lays it out: the workbook, or its provider sheet as CSV."""
    release = _release_or_404(slug)
    if extension == "xlsx":
        content = services.table_1_workbook(release)
    elif extension == "csv":
        content = services.wide_table_bytes(release)
    else:
        raise Http404("Table 1 downloads as XLSX or CSV.")
    if content is None:
        raise Http404("This release has no Table 1.")
    response = HttpResponse(content, content_type=CONTENT_TYPES[extension])
    response["Content-Disposition"] = (
        f'attachment; filename="did-{release.slug}-table-1-modality-provider-counts.{extension}"'
    )
    return response


@public
@require_GET
def chart(request, slug, chart):
    release = _release_or_404(slug)
    if chart not in presenters.CHARTS:
        raise Http404("No such chart.")
    svg = presenters.chart_svg(release, chart)
    return HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")


@public
@require_GET
def calendar(request):
    return render(request, "publications/calendar.html", {"entries": services.upcoming_releases()})
