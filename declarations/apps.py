"""The declarations app. ``ready()`` declares its document owners to the documents registry
(care_portal.documents.acces): the declaration owns its receipts (written by the portal only), each
bilan line its supporting document (added by a référent CaRE, DSI or RSSI of the structure while
the ES may edit the declaration: brouillon, complément demandé)."""

from __future__ import annotations

from django.apps import AppConfig
from django.db.models import Q, QuerySet


def lignes_visibles(user) -> QuerySet:
    from . import selectors
    from .models import LigneBilan

    return LigneBilan.objects.filter(declaration__in=selectors.declarations_pour(user))


def lignes_modifiables(user) -> QuerySet:
    """The lines of the declarations ``user`` may edit (candidatures.services.peut_editer's roles)."""
    from candidatures.apps import ROLES_EDITION
    from care_portal.comptes.models import Rattachement

    from .models import Declaration, LigneBilan

    if not getattr(user, "is_authenticated", False):
        return LigneBilan.objects.none()
    rattachements = Rattachement.objects.filter(utilisateur=user, etat=Rattachement.Etat.CONFIRME,
                                                role__in=ROLES_EDITION)
    return LigneBilan.objects.filter(
        Q(declaration__candidature__ght__in=rattachements.filter(ght__isnull=False).values("ght"))
        | Q(declaration__candidature__ght__isnull=True,
            declaration__candidature__entite_juridique__in=rattachements.filter(
                entite_juridique__isnull=False).values("entite_juridique")),
        declaration__etat__in=[Declaration.Etat.BROUILLON, Declaration.Etat.COMPLEMENT_DEMANDE],
    )


class DeclarationsConfig(AppConfig):
    name = "declarations"
    verbose_name = "Déclarations d'atteinte et bilans financiers"

    def ready(self) -> None:
        from care_portal.documents import acces

        from . import selectors
        from .models import Declaration, LigneBilan

        # Receipts are written by the portal only: no user category on the declaration.
        acces.enregistrer(Declaration, selectors.declarations_pour, lambda user: Declaration.objects.none(),
                          categories=())
        acces.enregistrer(LigneBilan, lignes_visibles, lignes_modifiables,
                          categories={selectors.CATEGORIE_JUSTIFICATIF})

        from . import etape

        etape.enregistrer()  # the stage registry (care_portal.core.etapes)

        from . import journal

        journal.enregistrer()  # the timeline's sentences (care_portal.workflow.chronologie)

        from . import actions_groupees

        actions_groupees.enregistrer()  # the agents' bulk actions (care_portal.bureau)
