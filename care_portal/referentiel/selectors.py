"""Reads of the referential."""

from __future__ import annotations

from django.utils import timezone

from .models import GHT, AppelAFinancement, EntiteJuridique, EtablissementGeographique


def appel_courant() -> AppelAFinancement | None:
    """The call whose calendar contains today, else the most recent one."""
    today = timezone.localdate()
    appel = (
        AppelAFinancement.objects.filter(candidature_debut__lte=today, paiement_fin__gte=today)
        .order_by("-candidature_debut")
        .first()
    )
    return appel or AppelAFinancement.objects.order_by("-candidature_debut").first()


def compter_referentiel() -> dict[str, int]:
    return {
        "nb_ej": EntiteJuridique.objects.count(),
        "nb_eg": EtablissementGeographique.objects.count(),
        "nb_ght": GHT.objects.count(),
    }
