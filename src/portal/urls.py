from django.urls import include, path

urlpatterns = [
    path("", include("portal.core.urls")),
    path("", include("portal.accounts.urls")),
    path("", include("portal.publications.urls")),
]
