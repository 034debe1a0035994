from django.apps import AppConfig


class ArchivesConfig(AppConfig):
    """Reports of the bulk actions and ZIP archives (see models.py). ``ready()`` declares the archive as a
    document owner (care_portal.documents.acces): its ZIP is written by the portal only and downloadable by
    the agent who asked for it, until it expires."""

    name = "care_portal.bureau.archives"
    label = "bureau_archives"
    verbose_name = "Bureau des agents : rapports des actions groupées et archives ZIP"

    def ready(self) -> None:
        from care_portal.documents import acces

        from . import selectors
        from .models import Archive

        acces.enregistrer(Archive, selectors.archives_telechargeables, lambda user: Archive.objects.none(),
                          categories=())
