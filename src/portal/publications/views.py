"""Public statistics pages: no sign-in. Every number shown comes from the release files,
which were disclosure-controlled before they were written."""

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from did.publish.release import table_xlsx
from did.publish.tables import TABLES
from portal.core.public import public
from portal.publications import presenters, services

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
        path = services.table_path(release, table, extension)
        if path is None:
            raise Http404("No such table in this release.")
        content = path.read_bytes()
    response = HttpResponse(content, content_type=CONTENT_TYPES[extension])
    response["Content-Disposition"] = (
        f'attachment; filename="did-{release.slug}-{table}.{extension}"'
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
