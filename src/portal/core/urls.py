from django.urls import path

from portal.core import views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("account/", views.dashboard, name="dashboard"),
]
