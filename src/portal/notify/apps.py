from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "portal.notify"
    label = "notify"
    verbose_name = "Email: message templates, outbox, SMTP and GOV.UK Notify"
