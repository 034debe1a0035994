from django.apps import AppConfig


class ReferentielConfig(AppConfig):
    name = "care_portal.referentiel"
    label = "referentiel"
    verbose_name = "Référentiel"
