"""Which provider the conventions use: both through the same interface, chosen by the settings."""

from __future__ import annotations

from care_portal.signature.base import Fournisseur
from care_portal.signature.natif import PadesNatif
from care_portal.signature.yousign import FournisseurYousign
from conventions import services as conventions
from conventions.models import Convention


def test_natif_par_defaut(settings):
    settings.SIGNATURE_FOURNISSEUR = "native"
    cv = Convention(numero="CARE-2026-00001")
    prestataire = conventions.fournisseur(cv)
    assert isinstance(prestataire, PadesNatif) and isinstance(prestataire, Fournisseur)
    assert isinstance(prestataire.depot, conventions.DepotConvention) and prestataire.depot.convention is cv
    assert conventions.fournisseur_tiers() is None  # no webhook to receive


def test_yousign_quand_il_est_configure(settings):
    settings.SIGNATURE_FOURNISSEUR = "yousign"
    settings.YOUSIGN_API_URL = "https://api-sandbox.yousign.app/v3"
    settings.YOUSIGN_API_KEY = "cle"
    prestataire = conventions.fournisseur(Convention(numero="CARE-2026-00002"))
    assert isinstance(prestataire, FournisseurYousign) and isinstance(prestataire, Fournisseur)
    assert isinstance(conventions.fournisseur_tiers(), FournisseurYousign)
