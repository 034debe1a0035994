"""The conventions app: the stage « Convention » (issue 15). ``ready()`` declares the convention as a
document owner (its PDFs are written by the portal only: generated, sealed; no user category), and plugs
the stage into the registry, the timeline and the agents' bulk actions."""

from __future__ import annotations

from django.apps import AppConfig


class ConventionsConfig(AppConfig):
    name = "conventions"
    verbose_name = "Conventions"

    def ready(self) -> None:
        from care_portal.documents import acces

        from . import actions_groupees, etape, journal, selectors
        from .models import Convention

        acces.enregistrer(Convention, selectors.conventions_pour, lambda user: Convention.objects.none(),
                          categories=())
        etape.enregistrer()  # the stage registry (care_portal.core.etapes)
        journal.enregistrer()  # the timeline's sentences (care_portal.workflow.chronologie)
        actions_groupees.enregistrer()  # the agents' bulk actions (care_portal.bureau)
