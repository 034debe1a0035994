from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "care_portal.documents"
    label = "documents"
    verbose_name = "Documents"

    def ready(self) -> None:
        from . import checks, journal  # noqa: F401 (checks: registers the antivirus system check)

        journal.enregistrer()  # the timeline's sentences of the documents' log codes
