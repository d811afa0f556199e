from django.urls import path

from portal.publications import views

app_name = "publications"
urlpatterns = [
    path("statistics/", views.index, name="index"),
    path("statistics/calendar/", views.calendar, name="calendar"),
    path("data-quality/", views.quality_index, name="quality-index"),
    path("data-quality/<slug:code>/", views.quality, name="quality"),
    path("statistics/<slug:slug>/", views.release, name="release"),
    path("statistics/<slug:slug>/providers/", views.provider_index, name="providers"),
    path("statistics/<slug:slug>/providers/<slug:code>/", views.provider, name="provider"),
    path(
        "statistics/<slug:slug>/table-1.<str:extension>",
        views.table_1_download,
        name="table-1-download",
    ),
    path(
        "statistics/<slug:slug>/tables/<slug:table>.<str:extension>",
        views.table_download,
        name="table-download",
    ),
    path("statistics/<slug:slug>/charts/<slug:chart>.svg", views.chart, name="chart"),
]
