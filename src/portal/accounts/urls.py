from django.urls import path

from portal.accounts import views
from portal.accounts.views import cis2, recovery

app_name = "accounts"
urlpatterns = [
    path("sign-in", views.sign_in, name="sign-in"),
    path("sign-in/code", views.sign_in_mfa, name="sign-in-mfa"),
    # NHS CIS2 (ADR 077): 404 unless configured.
    path("sign-in/cis2", cis2.cis2_start, name="sign-in-cis2"),
    path("sign-in/cis2/callback", cis2.cis2_callback, name="sign-in-cis2-callback"),
    path("sign-out", views.sign_out, name="sign-out"),
    path("sign-in/forgotten-password", recovery.forgotten_password, name="forgotten-password"),
    path(
        "sign-in/forgotten-password/sent",
        recovery.forgotten_password_sent,
        name="forgotten-password-sent",
    ),
    path("reset-password/<str:token>", recovery.reset_password, name="reset-password"),
    path("activate/<str:token>", views.activate, name="activate"),
    path("activate/<str:token>/authenticator", views.activate_mfa, name="activate-mfa"),
    path("organisations/<str:code>/guardian", views.guardian, name="guardian"),
    path("organisations/<str:code>/people", views.people, name="people"),
    path("organisations/<str:code>/people/<int:user_id>/revoke", views.revoke, name="revoke"),
    path(
        "organisations/<str:code>/people/<int:user_id>/reset-authenticator",
        views.reset_authenticator,
        name="reset-authenticator",
    ),
    path("service-desk/invitations", views.invitations, name="invitations"),
    path(
        "service-desk/invitations/<int:invitation_id>/reinvite",
        views.reinvite,
        name="reinvite",
    ),
]
