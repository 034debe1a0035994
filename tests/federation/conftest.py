from __future__ import annotations

import pytest

from care_portal.federation import oidc

from .fournisseur import FournisseurOIDC, cle_rsa


@pytest.fixture(scope="session")
def cle_fournisseur():
    return cle_rsa()


@pytest.fixture(scope="session")
def autre_cle():
    """A second RSA key with the same kid, unknown to the provider's JWKS: a forged signature."""
    return cle_rsa()


@pytest.fixture(scope="session")
def serveur_oidc(cle_fournisseur):
    fournisseur = FournisseurOIDC(cle=cle_fournisseur).demarrer()
    yield fournisseur
    fournisseur.arreter()


@pytest.fixture
def fournisseur(serveur_oidc, settings, monkeypatch):
    """The provider running on 127.0.0.1, configured as ProConnect (Pro Santé Connect not configured);
    each test starts with its default behaviour and a fresh client (no discovery cached)."""
    serveur_oidc.reinitialiser()
    monkeypatch.setattr(oidc, "_clients", {})
    settings.CARE_FEDERATION = {"proconnect": serveur_oidc.configuration(),
                                "psc": {"DISCOVERY_URL": "", "CLIENT_ID": "", "CLIENT_SECRET": ""}}
    return serveur_oidc
