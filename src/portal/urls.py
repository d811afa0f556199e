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
]

# 400, 403 and 404 use Django's handlers with templates/400.html, 403.html, 404.html (core);
# the 500 page is rendered without the context processors, which may be what failed.
handler500 = "portal.core.views.server_error"
