"""The objectives app. ``ready()`` declares the evidence models that own documents (reports,
attestations, descriptions) to the documents registry: whoever may open the candidature may
download them (ES of the structure, its ARS, the ANS); only a confirmed référent CaRE, DSI or RSSI of
the structure may add some, and only from the candidature's submission on (services.ETATS_PREUVES)."""

from __future__ import annotations

from django.apps import AppConfig
from django.db.models import Q, QuerySet

ROLES_SAISIE = ("referent_es", "dsi", "rssi")  # = candidatures.services.peut_editer


def candidatures_saisissables_pour(user) -> QuerySet:
    """The candidatures on which ``user`` may enter evidence now (role and state)."""
    from candidatures.models import Candidature
    from care_portal.comptes.models import Rattachement

    from .services import ETAT_CONTROLE_AJOUT, ETATS_DECLARATION_OUVERTS, ETATS_PREUVES

    if not getattr(user, "is_authenticated", False):
        return Candidature.objects.none()
    rattachements = Rattachement.objects.filter(utilisateur=user, etat=Rattachement.Etat.CONFIRME,
                                                role__in=ROLES_SAISIE)
    # Evidence frozen by a submitted declaration (services.gel_des_preuves) takes no new document either,
    # except while a control asks for information (documents are added, nothing is replaced or removed).
    gelees = Q(declaration__isnull=False) & ~Q(declaration__etat__in=ETATS_DECLARATION_OUVERTS) \
        & ~Q(declaration__controle__etat=ETAT_CONTROLE_AJOUT)
    return Candidature.objects.filter(
        Q(ght__in=rattachements.filter(ght__isnull=False).values("ght"))
        | Q(ght__isnull=True, entite_juridique__in=rattachements.filter(entite_juridique__isnull=False)
            .values("entite_juridique")),
        etat__in=ETATS_PREUVES,
    ).exclude(gelees)


def _chemin_candidature(modele) -> str:
    from .models import AuditADS

    return "active_directory__candidature" if modele is AuditADS else "candidature"


def _visibles(modele):
    def visibles(user) -> QuerySet:
        from candidatures.selectors import candidatures_pour

        return modele.objects.filter(**{f"{_chemin_candidature(modele)}__in": candidatures_pour(user)})

    return visibles


def _deposables(modele):
    def deposables(user) -> QuerySet:
        return modele.objects.filter(**{f"{_chemin_candidature(modele)}__in": candidatures_saisissables_pour(user)})

    return deposables


class ObjectifsConfig(AppConfig):
    name = "objectifs"
    verbose_name = "Objectifs et déclarations"

    def ready(self) -> None:
        from care_portal.documents import acces

        from .services import CATEGORIES

        for modele, categories in CATEGORIES.items():
            acces.enregistrer(modele, _visibles(modele), _deposables(modele), categories=set(categories))

        from . import etape

        etape.enregistrer()  # the stage registry (care_portal.core.etapes)

        from . import actions_groupees

        actions_groupees.enregistrer()  # the agents' bulk actions (care_portal.bureau)
