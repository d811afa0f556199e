from django.urls import include, path

from portal.submissions.api import api as submissions_api

urlpatterns = [
    path("", include("portal.core.urls")),
    path("", include("portal.accounts.urls")),
    path("", include("portal.publications.urls")),
    path("", include("portal.submissions.urls")),
    path("api/", submissions_api.urls),
    path("", include("portal.notify.urls")),
    path("", include("portal.certificates.urls")),
    path("", include("portal.operations.urls")),
]
