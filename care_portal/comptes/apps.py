from django.apps import AppConfig


class ComptesConfig(AppConfig):
    name = "care_portal.comptes"
    label = "comptes"
    verbose_name = "Comptes et habilitations"
