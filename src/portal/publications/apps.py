from django.apps import AppConfig


class PublicationsConfig(AppConfig):
    name = "portal.publications"
    label = "publications"
    verbose_name = "Publications"
    default_auto_field = "django.db.models.BigAutoField"
