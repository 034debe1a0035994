"""The payment app. ``ready()`` declares the SEPA batch as a document owner (care_portal.documents.acces):
its transfer file is written by the portal only and read by the ANS payment agents (secretariat,
administration)."""

from django.apps import AppConfig


class PaiementConfig(AppConfig):
    name = "paiement"
    verbose_name = "Paiements"

    def ready(self) -> None:
        from care_portal.documents import acces

        from .models import LotVirement

        def lots_visibles(user):
            from care_portal.comptes.roles import Role
            from care_portal.comptes.selectors import habilitations

            if habilitations(user).a(Role.SECRETARIAT_ANS, Role.ADMIN_ANS):
                return LotVirement.objects.all()
            return LotVirement.objects.none()

        acces.enregistrer(LotVirement, lots_visibles, lambda user: LotVirement.objects.none(), categories=set())
