from django.apps import AppConfig


class ObjectifsConfig(AppConfig):
    name = "objectifs"
    verbose_name = "Objectifs et déclarations"
