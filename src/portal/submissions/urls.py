from django.urls import path

from portal.submissions import api_views, desk_views, views

app_name = "submissions"
urlpatterns = [
    path("submissions/", views.history, name="history"),
    path("submissions/new/", views.start, name="start"),
    path("submissions/new/<str:code>/", views.choose_period, name="period"),
    path("submissions/new/<str:code>/<str:period>/", views.upload, name="upload"),
    path("submissions/<uuid:submission_id>/", views.detail, name="detail"),
    path("submissions/<uuid:submission_id>/replace/", views.replace, name="replace"),
    path("submissions/<uuid:submission_id>/status.json", views.status, name="status"),
    path("submissions/<uuid:submission_id>/issues.csv", views.issues_csv, name="issues-csv"),
    path("submissions/<uuid:submission_id>/records.csv", views.records_csv, name="records-csv"),
    path("account/api-tokens/", api_views.tokens_page, name="api-tokens"),
    path("account/api-tokens/<int:token_id>/revoke", api_views.revoke, name="api-token-revoke"),
    path("service-desk/submissions/", desk_views.overview, name="desk-overview"),
    path("service-desk/non-submitters/", desk_views.non_submitters, name="desk-non-submitters"),
    path("service-desk/submitting-for/", desk_views.authorities, name="desk-authorities"),
    path(
        "service-desk/submitting-for/<int:authority_id>/end",
        desk_views.end_authority,
        name="desk-authority-end",
    ),
    path(
        "service-desk/non-submitters/remind",
        desk_views.send_reminders,
        name="desk-send-reminders",
    ),
]
