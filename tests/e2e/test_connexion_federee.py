"""Issue 20, in a browser: the first login with ProConnect links the identity to the existing account
once its owner gives the password; the next login through ProConnect needs no password. The provider
is a real OpenID provider on 127.0.0.1 (tests/federation/fournisseur.py), already logged in."""

from __future__ import annotations

import copy

import pytest
from django.urls import reverse

from care_portal.comptes.roles import Role
from care_portal.federation import oidc
from care_portal.federation.models import IdentiteFederee
from tests.comptes.helpers import MOT_DE_PASSE, creer_utilisateur_avec_role
from tests.federation.fournisseur import FournisseurOIDC, cle_rsa

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

EMAIL = "camille.martin@chu-exemple.fr"


@pytest.fixture
def proconnect(live_server, settings, monkeypatch):
    fournisseur = FournisseurOIDC(cle=cle_rsa(), claims={"email": EMAIL, "given_name": "Camille",
                                                         "usual_name": "Martin"}).demarrer()
    monkeypatch.setattr(oidc, "_clients", {})
    settings.SITE_URL = live_server.url  # the redirect URI the provider sends the browser back to
    settings.CARE_FEDERATION = {"proconnect": fournisseur.configuration()}
    # as settings/base.py does from PROCONNECT_DISCOVERY_URL: the logout form ends at the provider
    csp = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
    csp["DIRECTIVES"]["form-action"].append(fournisseur.url)
    settings.CONTENT_SECURITY_POLICY = csp
    yield fournisseur
    fournisseur.arreter()


def test_premiere_connexion_proconnect_avec_liaison(navigateur, proconnect):
    nav, page = navigateur, navigateur.page
    compte = creer_utilisateur_avec_role(Role.REFERENT_ES, email=EMAIL, prenom="Camille", nom="Martin")

    nav.aller(reverse("comptes:connexion"))
    bouton = page.get_by_role("link", name="S’identifier avec ProConnect")
    assert bouton.is_visible()
    nav.suivre(bouton)  # → the provider → back on the redirect URI → the linking page
    assert nav.chemin() == reverse("federation:lier")
    main = page.locator("main")
    assert EMAIL in main.inner_text() and "Première connexion avec ProConnect" in main.inner_text()

    page.get_by_label("Mot de passe eCaRE").fill("pas-le-bon")
    nav.soumettre(main.get_by_role("button", name="Lier mon identité et me connecter"))
    assert "Mot de passe incorrect" in page.locator("main").inner_text()
    assert not IdentiteFederee.objects.exists()

    page.get_by_label("Mot de passe eCaRE").fill(MOT_DE_PASSE)
    nav.soumettre(page.locator("main").get_by_role("button", name="Lier mon identité et me connecter"))
    assert nav.chemin() not in (reverse("federation:lier"), reverse("comptes:connexion"))
    assert "Votre identité ProConnect est liée à votre compte eCaRE" in page.locator("main").inner_text()
    assert IdentiteFederee.objects.get().utilisateur == compte

    # logged out, then in again through ProConnect: no password asked
    nav.se_deconnecter()  # through the provider's end_session_endpoint, and back
    assert proconnect.fins_de_session[-1]["id_token_hint"] == proconnect.ids_token[-1]
    nav.aller(reverse("comptes:connexion"))
    nav.suivre(page.get_by_role("link", name="S’identifier avec ProConnect"))
    assert nav.chemin() not in (reverse("federation:lier"), reverse("comptes:connexion"))
    assert page.locator("header").get_by_role("button", name="Se déconnecter").count() >= 1
    assert len(proconnect.ids_token) == 2
