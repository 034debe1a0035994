"""The candidatures app. ``ready()`` declares its document owners to the documents registry
(care_portal.documents.acces): who may see and who may add the documents of a candidature, of a
perimeter line (the prerequisite proofs) and of a message (its attachments)."""

from __future__ import annotations

from django.apps import AppConfig
from django.db.models import Q, QuerySet

ROLES_EDITION = ("referent_es", "dsi", "rssi")  # = services.peut_editer


def candidatures_modifiables_pour(user) -> QuerySet:
    """The candidatures ``user`` may add documents to: a confirmed référent, DSI or RSSI of the
    structure (services.peut_editer), while the ES may edit it (brouillon, complément demandé)."""
    from care_portal.comptes.models import Rattachement

    from .models import Candidature

    if not getattr(user, "is_authenticated", False):
        return Candidature.objects.none()
    rattachements = Rattachement.objects.filter(utilisateur=user, etat=Rattachement.Etat.CONFIRME,
                                                role__in=ROLES_EDITION)
    return Candidature.objects.filter(
        Q(ght__in=rattachements.filter(ght__isnull=False).values("ght"))
        | Q(ght__isnull=True, entite_juridique__in=rattachements.filter(entite_juridique__isnull=False)
            .values("entite_juridique")),
        etat__in=[Candidature.Etat.BROUILLON, Candidature.Etat.COMPLEMENT_DEMANDE],
    )


def lignes_visibles(user) -> QuerySet:
    from . import selectors
    from .models import PerimetreLigne

    return PerimetreLigne.objects.filter(candidature__in=selectors.candidatures_pour(user))


def lignes_modifiables(user) -> QuerySet:
    from .models import PerimetreLigne

    return PerimetreLigne.objects.filter(candidature__in=candidatures_modifiables_pour(user))


def messages_visibles(user) -> QuerySet:
    from . import selectors
    from .models import Message

    return Message.objects.filter(candidature__in=selectors.candidatures_pour(user))


def messages_deposables(user) -> QuerySet:
    """Only the author, only while the message is being sent (services.message_envoyer)."""
    from . import services
    from .models import Message

    en_creation = services.messages_en_creation()
    if not en_creation or not getattr(user, "is_authenticated", False):
        return Message.objects.none()
    return Message.objects.filter(pk__in=en_creation, auteur=user)


class CandidaturesConfig(AppConfig):
    name = "candidatures"
    verbose_name = "Candidatures"

    def ready(self) -> None:
        from care_portal.documents import acces

        from . import selectors, services
        from .models import Candidature, Message, PerimetreLigne
        from .regles import PREUVES_PREREQUIS

        # The receipt ("recepisse") is not an uploadable category: only the portal writes it (recepisse.py).
        acces.enregistrer(Candidature, selectors.candidatures_pour, candidatures_modifiables_pour,
                          categories=selectors.DOCUMENTS_CANDIDATURE)
        acces.enregistrer(PerimetreLigne, lignes_visibles, lignes_modifiables, categories=PREUVES_PREREQUIS)
        acces.enregistrer(Message, messages_visibles, messages_deposables,
                          categories={services.CATEGORIE_PIECE_JOINTE})

        from . import etape

        etape.enregistrer()  # the stage registry (care_portal.core.etapes)

        from . import journal

        journal.enregistrer()  # the timeline's sentences (care_portal.workflow.chronologie)

        from . import actions_groupees

        actions_groupees.enregistrer()  # the agents' bulk actions (care_portal.bureau)
