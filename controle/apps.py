"""The control app. ``ready()`` declares the control as a document owner (care_portal.documents.acces):
its attestation and report are written by the portal only; the ES's référent CaRE, DSI or RSSI add the
documents of an answer (category ``reponse``) while information is requested. It also registers the
demo step (``seed_demo``, ordre 70)."""

from __future__ import annotations

from django.apps import AppConfig


class ControleConfig(AppConfig):
    name = "controle"
    verbose_name = "Contrôles"

    def ready(self) -> None:
        from care_portal.documents import acces

        from . import demo, selectors  # noqa: F401 (demo registers its seed_demo step)
        from .models import Controle

        acces.enregistrer(Controle, selectors.controles_pour, selectors.controles_repondables_pour,
                          categories={selectors.CATEGORIE_REPONSE})

        from . import etape

        etape.enregistrer()  # the stage registry (care_portal.core.etapes)

        from . import journal

        journal.enregistrer()  # the timeline's sentences (care_portal.workflow.chronologie)

        from . import actions_groupees

        actions_groupees.enregistrer()  # the agents' bulk actions (care_portal.bureau)
