"""The payment app. ``ready()`` registers the ceiling grid as the provider of the conventions' ceiling
(``conventions.plafonds``) and declares the SEPA batch as a document owner (care_portal.documents.acces):
its transfer file is written by the portal only and read by the ANS payment agents (secretariat,
administration)."""

from django.apps import AppConfig


class PaiementConfig(AppConfig):
    name = "paiement"
    verbose_name = "Paiements"

    def ready(self) -> None:
        from care_portal.documents import acces
        from conventions import plafonds

        from . import selectors
        from .models import LotVirement

        # The convention stage reads its ceiling through this hook (candidatures never imports paiement).
        plafonds.enregistrer_fournisseur(selectors.plafond_de_candidature)

        def lots_visibles(user):
            from care_portal.comptes.roles import Role
            from care_portal.comptes.selectors import habilitations

            if habilitations(user).a(Role.SECRETARIAT_ANS, Role.ADMIN_ANS):
                return LotVirement.objects.all()
            return LotVirement.objects.none()

        acces.enregistrer(LotVirement, lots_visibles, lambda user: LotVirement.objects.none(), categories=set())

        from . import etape

        etape.enregistrer()  # the stage registry (care_portal.core.etapes)

        from . import journal

        journal.enregistrer()  # the timeline's sentences (care_portal.workflow.chronologie)
