from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "care_portal.core"
    label = "core"
    verbose_name = "Socle"
