from django.apps import AppConfig


class ComptesConfig(AppConfig):
    name = "care_portal.comptes"
    label = "comptes"
    verbose_name = "Comptes et habilitations"

    def ready(self) -> None:
        from care_portal.core import limitation  # noqa: F401 — registers the check of CARE_LIMITES
