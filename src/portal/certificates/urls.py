from django.urls import path

from portal.certificates import views_apply, views_desk, views_guardian

app_name = "certificates"
urlpatterns = [
    # The public online application.
    path("apply/", views_apply.start, name="apply-start"),
    path("apply/organisation", views_apply.organisation, name="apply-organisation"),
    path("apply/primary-contact", views_apply.primary_contact, name="apply-primary-contact"),
    path("apply/users", views_apply.users, name="apply-users"),
    path("apply/users/add", views_apply.user_add, name="apply-user-add"),
    path("apply/users/<int:number>", views_apply.user_change, name="apply-user-change"),
    path("apply/guardian", views_apply.guardian, name="apply-guardian"),
    path("apply/check", views_apply.check, name="apply-check"),
    path("apply/sent", views_apply.sent, name="apply-sent"),
    path("apply/progress", views_apply.progress, name="apply-progress"),
    # Reached by links emailed to the registered guardian.
    path("guardian/<str:token>", views_guardian.guardian_review, name="guardian-review"),
    path("contacts/", views_guardian.contacts_request, name="contacts-request"),
    path("contacts/sent", views_guardian.contacts_request_sent, name="contacts-request-sent"),
    path("contacts/<str:token>", views_guardian.contacts_disclosure, name="contacts-disclosure"),
    # The national service desk.
    path("service-desk/certificates/", views_desk.queue, name="queue"),
    path("service-desk/certificates/paper", views_desk.paper, name="paper"),
    path("service-desk/certificates/<int:pk>", views_desk.application_detail, name="application"),
    path("service-desk/certificates/<int:pk>/approve", views_desk.approve, name="approve"),
    path("service-desk/certificates/<int:pk>/reject", views_desk.reject, name="reject"),
    path(
        "service-desk/certificates/<int:pk>/resend-guardian-link",
        views_desk.resend_guardian_link,
        name="resend-guardian-link",
    ),
    path("service-desk/certificates/<int:pk>/scan", views_desk.scan, name="scan"),
    path("service-desk/guardians/", views_desk.guardians, name="guardians"),
    path("service-desk/guardians/import", views_desk.guardians_import, name="guardians-import"),
]
