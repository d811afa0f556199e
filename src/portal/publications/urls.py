from django.urls import path

from portal.publications import views

app_name = "publications"
urlpatterns = [
    path("statistics/", views.index, name="index"),
    path("statistics/calendar/", views.calendar, name="calendar"),
    path("statistics/<slug:slug>/", views.release, name="release"),
    path(
        "statistics/<slug:slug>/tables/<slug:table>.<str:extension>",
        views.table_download,
        name="table-download",
    ),
    path("statistics/<slug:slug>/charts/<slug:chart>.svg", views.chart, name="chart"),
]
