from django.apps import AppConfig


class StoreConfig(AppConfig):
    name = "portal.store"
    label = "store"
    verbose_name = "Record store: objects, manifest and clean-up"
