"""Federated login through a real OpenID provider on 127.0.0.1 (tests/federation/fournisseur.py),
through the real redirect flow: Django's test client for the portal, HTTP for the provider."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from care_portal.comptes.middleware import CLE_ACTIVITE
from care_portal.comptes.roles import Role
from care_portal.federation.models import IdentiteFederee
from care_portal.federation.oidc import IdentiteOIDC
from care_portal.federation.services import identite_lier
from care_portal.workflow.models import TransitionLog
from tests.comptes.helpers import MOT_DE_PASSE, creer_appareil_totp, creer_utilisateur_avec_role
from tests.factories import EtablissementGeographiqueFactory, UserFactory

from .fournisseur import chemin_local, port_ferme, suivre_chez_le_fournisseur

pytestmark = pytest.mark.django_db

CONNEXION = reverse("comptes:connexion")
EMAIL = "camille.martin@ars.sante.fr"


def texte(reponse) -> str:
    return reponse.content.decode()


def messages_de(reponse) -> list[str]:
    return [str(m) for m in reponse.context["messages"]] if reponse.context else []


def connecte(client):
    return client.session.get(SESSION_KEY)


def codes_journal(user) -> list[str]:
    return list(TransitionLog.objects.filter(object_id=str(user.pk), code__startswith="federation.")
                .order_by("id").values_list("code", flat=True))


def aller_retour(client, fournisseur, nom="proconnect", next_=""):
    """Button → provider (already logged in there) → redirect URI. Returns the portal's answer."""
    depart = client.get(reverse("federation:connexion", args=[nom]) + (f"?next={next_}" if next_ else ""))
    assert depart.status_code == 302, texte(depart)
    assert depart["Location"].startswith(fournisseur.url + "/authorize?")
    retour = suivre_chez_le_fournisseur(depart["Location"])
    return client.get(chemin_local(retour))


@pytest.fixture
def compte():
    return creer_utilisateur_avec_role(Role.REFERENT_ES, email=EMAIL)


def lier(fournisseur, user, **identite):
    return identite_lier(utilisateur=user, identite=IdentiteOIDC(fournisseur="proconnect", sub=fournisseur.sub,
                                                                 email=user.email, **identite))


# --- without any provider ---------------------------------------------------------------------------

def test_sans_configuration_pas_de_bouton_et_connexion_par_mot_de_passe_inchangee(client, settings, compte):
    settings.CARE_FEDERATION = {"proconnect": {"DISCOVERY_URL": "", "CLIENT_ID": "", "CLIENT_SECRET": ""},
                                "psc": {"DISCOVERY_URL": "https://psc.exemple/.well-known", "CLIENT_ID": "x",
                                        "CLIENT_SECRET": ""}}  # incomplete: not offered either
    page = client.get(CONNEXION)
    assert page.status_code == 200
    assert "ProConnect" not in texte(page) and "Pro Santé Connect" not in texte(page)
    assert "connexion-federee" not in texte(page)
    assert client.get(reverse("federation:connexion", args=["proconnect"])).status_code == 404
    assert client.get(reverse("federation:retour", args=["psc"]) + "?code=x&state=y").status_code == 404
    reponse = client.post(CONNEXION, {"username": EMAIL, "password": MOT_DE_PASSE})
    assert reponse.status_code == 302 and connecte(client) == str(compte.pk)


def test_boutons_des_seuls_fournisseurs_configures(client, fournisseur, settings):
    page = texte(client.get(CONNEXION + "?next=/comptes/accueil/"))
    assert "S’identifier avec" in page and 'class="fr-connect ecare-proconnect"' in page
    assert reverse("federation:connexion", args=["proconnect"]) + "?next=/comptes/accueil/" in page
    assert "Se connecter avec Pro Santé Connect" not in page
    assert 'name="password"' in page  # the password login is still there
    settings.CARE_FEDERATION = {**settings.CARE_FEDERATION, "psc": fournisseur.configuration()}
    assert "Se connecter avec Pro Santé Connect" in texte(client.get(CONNEXION))


# --- first login: linking by confirmation -----------------------------------------------------------------

def test_premiere_connexion_liaison_apres_mot_de_passe(client, fournisseur, compte):
    reponse = aller_retour(client, fournisseur)
    assert reponse.status_code == 302 and reponse["Location"] == reverse("federation:lier")
    assert not connecte(client)
    # what the portal asked the provider: code flow, state, nonce, PKCE S256, acr_values, amr claim
    demande = fournisseur.autorisations[-1]
    assert demande["response_type"] == "code" and demande["state"] and demande["nonce"]
    assert demande["code_challenge_method"] == "S256" and demande["code_challenge"]
    assert demande["acr_values"] == "eidas1" and '"amr"' in demande["claims"]
    assert demande["redirect_uri"].endswith("/federation/proconnect/retour/")
    assert fournisseur.echanges[-1]["code_verifier"]

    page = client.get(reverse("federation:lier"))
    assert page.status_code == 200 and EMAIL in texte(page) and 'name="password"' in texte(page)
    refus = client.post(reverse("federation:lier"), {"password": "pas-le-bon-mot-de-passe"})
    assert refus.status_code == 400 and "Mot de passe incorrect" in texte(refus)
    assert not IdentiteFederee.objects.exists() and not connecte(client)

    reponse = client.post(reverse("federation:lier"), {"password": MOT_DE_PASSE})
    assert reponse.status_code == 302 and reponse["Location"] == reverse("comptes:accueil_role")
    assert connecte(client) == str(compte.pk)
    lien = IdentiteFederee.objects.get()
    assert (lien.utilisateur, lien.fournisseur, lien.sub, lien.email) == (compte, "proconnect", "sub-0001", EMAIL)
    assert codes_journal(compte) == ["federation.identite.liee", "federation.utilisateur.connecte"]
    # the identity gave no role: the account keeps exactly its own membership
    assert list(compte.rattachements.values_list("role", flat=True)) == [Role.REFERENT_ES]


def test_connexions_suivantes_sans_mot_de_passe(client, fournisseur, compte):
    lier(fournisseur, compte)
    reponse = aller_retour(client, fournisseur, next_="/comptes/etablissement/")
    assert reponse.status_code == 302 and reponse["Location"] == "/comptes/etablissement/"
    assert connecte(client) == str(compte.pk)
    assert IdentiteFederee.objects.get().derniere_connexion_le is not None
    assert codes_journal(compte) == ["federation.identite.liee", "federation.utilisateur.connecte"]
    aller_retour(client, fournisseur)
    assert codes_journal(compte).count("federation.utilisateur.connecte") == 2


def test_adresse_non_verifiee_ou_inconnue_vers_inscription_preremplie(client, fournisseur):
    UserFactory(email=EMAIL, email_verifie_le=None)  # same address, never verified: not linkable
    aller_retour(client, fournisseur)
    page = client.get(reverse("federation:lier"))
    assert "Aucun compte eCaRE dont l'adresse est vérifiée" in texte(page) and 'name="password"' not in texte(page)
    assert client.post(reverse("federation:lier"), {"password": MOT_DE_PASSE}).status_code == 200
    assert not IdentiteFederee.objects.exists() and not connecte(client)

    reponse = client.get(reverse("federation:inscription"))
    assert reponse["Location"] == reverse("comptes:inscription")
    site = EtablissementGeographiqueFactory()
    formulaire = client.get(reverse("comptes:inscription") + f"?etablissement=eg:{site.pk}").context["form"]
    assert formulaire.initial["email"] == EMAIL
    assert (formulaire.initial["prenom"], formulaire.initial["nom"]) == ("Camille", "Martin")


def test_liaison_sans_connexion_en_cours(client, fournisseur):
    reponse = client.get(reverse("federation:lier"))
    assert reponse["Location"] == CONNEXION
    assert client.get(reverse("federation:inscription"))["Location"] == CONNEXION


def test_compte_lie_desactive_refuse(client, fournisseur, compte):
    lier(fournisseur, compte)
    type(compte).objects.filter(pk=compte.pk).update(is_active=False)
    reponse = aller_retour(client, fournisseur)
    assert reponse["Location"] == CONNEXION and not connecte(client)


# --- refusals ---------------------------------------------------------------------------------------------

def _code_et_state(client, fournisseur):
    depart = client.get(reverse("federation:connexion", args=["proconnect"]))
    retour = urlsplit(suivre_chez_le_fournisseur(depart["Location"]))
    return retour.path, parse_qs(retour.query)


def test_state_falsifie_ou_rejoue_refuse(client, fournisseur, compte):
    lier(fournisseur, compte)
    chemin, params = _code_et_state(client, fournisseur)
    reponse = client.get(chemin, {"code": params["code"][0], "state": "un-autre-state"}, follow=True)
    assert not connecte(client)
    assert any("n'a pas été lancée depuis ce navigateur" in m for m in messages_de(reponse))
    assert not fournisseur.echanges  # the code was never sent to the token endpoint
    # the genuine answer, but in another browser (no login started there)
    from django.test import Client

    autre = Client()
    autre.get(chemin, {"code": params["code"][0], "state": params["state"][0]})
    assert not autre.session.get(SESSION_KEY)
    # used once, then replayed
    assert client.get(chemin, {"code": params["code"][0], "state": params["state"][0]}).status_code == 302
    assert connecte(client)
    client.logout()
    client.get(chemin, {"code": params["code"][0], "state": params["state"][0]})
    assert not connecte(client)


@pytest.mark.parametrize("panne,raison", [("nonce", "'nonce'"), ("expire", "ExpiredTokenError"),
                                           ("signature", "BadSignatureError"),
                                           ("userinfo_signature", "BadSignatureError")])
def test_jeton_invalide_refuse(client, fournisseur, compte, autre_cle, panne, raison, caplog):
    lier(fournisseur, compte)
    if panne == "nonce":
        fournisseur.nonce_force = "nonce-d-une-autre-demande"
    elif panne == "expire":
        fournisseur.duree_jeton = -3600
    elif panne == "signature":
        fournisseur.cle_signature = autre_cle
    else:
        fournisseur.cle_signature_userinfo = autre_cle
    reponse = aller_retour(client, fournisseur)
    assert reponse["Location"] == CONNEXION and not connecte(client)
    page = client.get(CONNEXION)
    assert any("n'a pas pu être vérifiée" in m for m in messages_de(page))
    assert codes_journal(compte) == ["federation.identite.liee"]  # no login logged
    assert raison in caplog.text  # refused for that reason, not another


def test_userinfo_json_non_signe_accepte(client, fournisseur, compte):
    lier(fournisseur, compte)
    fournisseur.userinfo_signe = False
    aller_retour(client, fournisseur)
    assert connecte(client) == str(compte.pk)


def test_fournisseur_sans_pkce_annonce(client, fournisseur, compte):
    fournisseur.pkce = False
    lier(fournisseur, compte)
    aller_retour(client, fournisseur)
    assert "code_challenge" not in fournisseur.autorisations[-1]
    assert connecte(client) == str(compte.pk)


def test_refus_chez_le_fournisseur(client, fournisseur):
    client.get(reverse("federation:connexion", args=["proconnect"]))
    reponse = client.get(reverse("federation:retour", args=["proconnect"]), {"error": "access_denied"},
                         follow=True)
    assert any("annulée ou refusée" in m for m in messages_de(reponse)) and not connecte(client)


def test_fournisseur_injoignable_message_en_francais_et_mot_de_passe_propose(client, settings, compte):
    settings.CARE_FEDERATION = {"proconnect": {
        "DISCOVERY_URL": f"http://127.0.0.1:{port_ferme()}/.well-known/openid-configuration",
        "CLIENT_ID": "ecare", "CLIENT_SECRET": "s"}}
    settings.CARE_FEDERATION_DELAI = 2.0
    debut = time.monotonic()
    reponse = client.get(reverse("federation:connexion", args=["proconnect"]) + "?next=/comptes/accueil/",
                         follow=True)
    assert time.monotonic() - debut < 5
    assert reponse.status_code == 200
    assert reponse.redirect_chain[-1][0] == CONNEXION + "?next=%2Fcomptes%2Faccueil%2F"
    assert "ProConnect ne répond pas pour le moment" in texte(reponse)
    assert 'name="password"' in texte(reponse)
    client.post(CONNEXION, {"username": EMAIL, "password": MOT_DE_PASSE})
    assert connecte(client) == str(compte.pk)


# --- the second factor ------------------------------------------------------------------------------------

@pytest.fixture
def agent():
    return creer_utilisateur_avec_role(Role.REFERENT_ARS, email=EMAIL)


def test_agent_mfa_chez_le_fournisseur_dispense_du_totp(client, fournisseur, agent):
    creer_appareil_totp(agent)
    lier(fournisseur, agent)
    fournisseur.amr = ["pwd", "mfa"]
    reponse = aller_retour(client, fournisseur)
    assert reponse["Location"] == reverse("comptes:accueil_role")
    page = client.get(reverse("comptes:file_ars"))
    assert page.status_code == 200  # not sent to the TOTP verification
    donnees = TransitionLog.objects.filter(code="federation.utilisateur.connecte").get().donnees
    assert donnees["mfa"] is True and donnees["amr"] == ["pwd", "mfa"]


def test_agent_sans_mfa_chez_le_fournisseur_passe_par_le_totp(client, fournisseur, agent):
    creer_appareil_totp(agent)
    lier(fournisseur, agent)
    reponse = aller_retour(client, fournisseur)
    assert reponse["Location"].startswith(reverse("comptes:totp_verification"))
    assert client.get(reverse("comptes:file_ars"))["Location"].startswith(reverse("comptes:totp_verification"))


def test_agent_sans_appareil_et_sans_mfa_vers_enrolement(client, fournisseur, agent):
    lier(fournisseur, agent)
    reponse = aller_retour(client, fournisseur)
    assert reponse["Location"].startswith(reverse("comptes:totp_enrolement"))


def test_regle_mfa_par_fournisseur(client, fournisseur, agent, settings):
    """A provider configured without any MFA value: its « mfa » does not stand for TOTP; one configured
    on acr: that acr does."""
    creer_appareil_totp(agent)
    lier(fournisseur, agent)
    fournisseur.amr = ["mfa"]
    settings.CARE_FEDERATION = {"proconnect": fournisseur.configuration(MFA_AMR=[], MFA_ACR=[])}
    assert aller_retour(client, fournisseur)["Location"].startswith(reverse("comptes:totp_verification"))
    client.logout()
    fournisseur.amr, fournisseur.acr = ["pwd"], "https://proconnect.gouv.fr/assurance/self-asserted-2fa"
    settings.CARE_FEDERATION = {"proconnect": fournisseur.configuration(
        MFA_AMR=[], MFA_ACR=["https://proconnect.gouv.fr/assurance/self-asserted-2fa"])}
    assert aller_retour(client, fournisseur)["Location"] == reverse("comptes:accueil_role")


def test_dispense_mfa_liee_au_compte_de_la_session(client, fournisseur, agent):
    """The attestation is for the user who logged in: another account logged in over it needs its TOTP."""
    lier(fournisseur, agent)
    fournisseur.amr = ["mfa"]
    aller_retour(client, fournisseur)
    autre = creer_utilisateur_avec_role(Role.REFERENT_ARS, email="autre.agent@ars.sante.fr")
    creer_appareil_totp(autre)
    client.post(CONNEXION, {"username": autre.email, "password": MOT_DE_PASSE})
    assert client.get(reverse("comptes:file_ars"))["Location"].startswith(reverse("comptes:totp_verification"))


def test_agent_federe_garde_le_delai_d_inactivite(client, fournisseur, agent, settings):
    lier(fournisseur, agent)
    fournisseur.amr = ["mfa"]
    aller_retour(client, fournisseur)
    assert client.get(reverse("comptes:file_ars")).status_code == 200
    session = client.session
    session[CLE_ACTIVITE] = int(time.time()) - settings.SESSION_INACTIVITE_AGENTS - 5
    session.save()
    reponse = client.get(reverse("comptes:file_ars"))
    assert reponse["Location"].startswith(CONNEXION) and not connecte(client)


# --- logout -----------------------------------------------------------------------------------------------

def test_deconnexion_chez_le_fournisseur_avec_id_token_hint(client, fournisseur, compte):
    lier(fournisseur, compte)
    aller_retour(client, fournisseur)
    reponse = client.post(reverse("comptes:deconnexion"))
    assert not connecte(client)
    assert reponse["Location"].startswith(fournisseur.url + "/end_session?")
    retour = suivre_chez_le_fournisseur(reponse["Location"])
    fin = fournisseur.fins_de_session[-1]
    assert fin["id_token_hint"] == fournisseur.ids_token[-1]
    assert fin["post_logout_redirect_uri"].endswith(reverse("federation:deconnexion_retour"))
    page = client.get(chemin_local(retour), follow=True)
    assert "Vous êtes aussi déconnecté de ProConnect." in messages_de(page)
    # a forged state: just the portal's home, no message about the provider
    page = client.get(reverse("federation:deconnexion_retour") + "?state=faux", follow=True)
    assert page.status_code == 200 and not any("ProConnect" in m for m in messages_de(page))


def test_deconnexion_apres_mot_de_passe_reste_locale(client, fournisseur, compte):
    client.post(CONNEXION, {"username": EMAIL, "password": MOT_DE_PASSE})
    reponse = client.post(reverse("comptes:deconnexion"))
    assert reponse["Location"] == reverse("core:accueil") and not fournisseur.fins_de_session

