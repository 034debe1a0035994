"""Public sign-up (views inscription, inscription_envoyee, recherche_etablissements, verifier_email)
and the FINESS search selector (care_portal/referentiel/recherche.py)."""

from __future__ import annotations

import re
import time
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.core import mail
from django.urls import reverse
from django.utils.html import escape

from care_portal.comptes import services
from care_portal.comptes.forms import MESSAGE_ETABLISSEMENT_INCONNU
from care_portal.comptes.models import Rattachement
from care_portal.comptes.roles import Role
from care_portal.referentiel.models import StatutJuridique
from care_portal.referentiel.recherche import rechercher_etablissements
from care_portal.workflow.models import TransitionLog
from care_portal.workflow.selectors import journal_de
from tests.comptes.helpers import agent_verifie, connecter, creer_utilisateur_avec_role
from tests.factories import (
    EntiteJuridiqueFactory,
    EtablissementGeographiqueFactory,
    GHTFactory,
    UserFactory,
    finess_pour,
)

pytestmark = pytest.mark.django_db

User = get_user_model()
URL = reverse("comptes:inscription")
MOT_DE_PASSE = "Une phrase de passe solide 42"


@pytest.fixture
def referentiel(db):
    clinique = EntiteJuridiqueFactory(statut=StatutJuridique.PRIVE_LUCRATIF, raison_sociale="Clinique du Parc",
                                      commune="LIBOURNE", finess=finess_pour("33", 111))
    site = EtablissementGeographiqueFactory(entite_juridique=clinique, raison_sociale="Clinique du Parc — site Nord",
                                            commune="LIBOURNE", finess=finess_pour("33", 222))
    ght = GHTFactory(code="NA-99", nom="GHT Alliance de Gironde")
    ch = EntiteJuridiqueFactory(statut=StatutJuridique.PUBLIC, raison_sociale="Centre hospitalier de Blaye",
                                commune="BLAYE")
    ght.membres.add(ch)
    site_ch = EtablissementGeographiqueFactory(entite_juridique=ch, raison_sociale="CH Blaye — EHPAD",
                                               commune="BLAYE")
    parisien = EntiteJuridiqueFactory(statut=StatutJuridique.PRIVE_EBNL, raison_sociale="Hôpital Saint-Joseph",
                                      commune="PARIS", dep="75")
    return {"clinique": clinique, "site": site, "ght": ght, "ch": ch, "site_ch": site_ch, "parisien": parisien}


def donnees(etab, **extra) -> dict:
    prefixe = "eg" if hasattr(etab, "entite_juridique_id") else "ej"
    base = {
        "etablissement": f"{prefixe}:{etab.pk}", "prenom": "Alice", "nom": "Durand",
        "email": "alice.durand@clinique-du-parc.fr", "telephone": "05 57 00 00 00", "fonction": "DSI",
        "role": Role.DSI, "password1": MOT_DE_PASSE, "password2": MOT_DE_PASSE,
    }
    return {**base, **extra}


def compter() -> tuple[int, int, int]:
    return User.objects.count(), Rattachement.objects.count(), TransitionLog.objects.count()


def scripts_en_ligne_sans_nonce(html: str) -> list[str]:
    return [s for s in re.findall(r"<script\b[^>]*>", html) if "src=" not in s and "nonce=" not in s]


INCONNU = escape(MESSAGE_ETABLISSEMENT_INCONNU)


# --- search selector ---------------------------------------------------------------------------------

def test_recherche_par_nom_commune_et_finess(referentiel):
    noms = {r.nom for r in rechercher_etablissements("clinique parc")}
    assert noms == {"Clinique du Parc", "Clinique du Parc — site Nord"}
    assert {r.nom for r in rechercher_etablissements("blaye")} == {"Centre hospitalier de Blaye", "CH Blaye — EHPAD"}
    finess = referentiel["site"].finess
    resultats = rechercher_etablissements(finess)
    assert resultats[0].finess == finess and resultats[0].type == "eg"
    assert resultats[0].departement == "33 – Gironde" and resultats[0].entite_juridique == "Clinique du Parc"
    assert all(r.finess.startswith("33") for r in rechercher_etablissements("33"))
    assert {r.finess for r in rechercher_etablissements("75")} == {referentiel["parisien"].finess}
    assert rechercher_etablissements("x") == []
    assert rechercher_etablissements("introuvable") == []


def test_recherche_limitee_a_20_en_deux_requetes(referentiel, django_assert_num_queries):
    for n in range(25):
        EtablissementGeographiqueFactory(raison_sociale=f"Polyclinique {n:02d}", commune="MERIGNAC")
    with django_assert_num_queries(2):  # one for the EG (with EJ and département), one for the EJ
        resultats = rechercher_etablissements("clinique")
        [(r.departement, r.entite_juridique) for r in resultats]
    assert len(resultats) == 20


def test_recherche_json(client, referentiel):
    reponse = client.get(reverse("comptes:recherche_etablissements"), {"q": "Parc"})
    assert reponse.status_code == 200
    data = reponse.json()
    assert data["nombre"] == 2 and not data["limite_atteinte"]
    valeurs = {r["valeur"] for r in data["resultats"]}
    assert valeurs == {f"ej:{referentiel['clinique'].pk}", f"eg:{referentiel['site'].pk}"}
    premier = data["resultats"][0]
    assert set(premier) >= {"nom", "finess", "commune", "departement", "type_libelle"}
    assert client.get(reverse("comptes:recherche_etablissements")).json()["nombre"] == 0
    assert client.post(reverse("comptes:recherche_etablissements"), {"q": "Parc"}).status_code == 405


# --- step 1 ------------------------------------------------------------------------------------------

def test_etape_1_sans_recherche(client, referentiel):
    reponse = client.get(URL)
    assert reponse.status_code == 200
    html = reponse.content.decode()
    assert html.count("<h1") == 1 and "Étape 1 sur 2" in html
    assert 'for="id_q"' in html and 'id="id_q"' in html
    assert re.search(r'<script src="/static/js/recherche-etablissement.js" nonce="[^"]+"', html)
    assert scripts_en_ligne_sans_nonce(html) == []
    assert 'aria-live="polite"' in html and "style=" not in html
    assert 'name="etablissement"' not in html


def test_etape_1_resultats_selectionnables_sans_javascript(client, referentiel):
    reponse = client.get(URL, {"q": "blaye"})
    html = reponse.content.decode()
    assert "2 établissements trouvés pour « blaye »" in html
    assert "<fieldset" in html and "<legend" in html and "Choisissez votre établissement" in html
    for etab in (referentiel["ch"], referentiel["site_ch"]):
        assert etab.raison_sociale in html and f"FINESS {etab.finess}" in html
    assert "BLAYE" in html and "33 – Gironde" in html
    assert html.count('type="radio"') == 2
    assert f'value="eg:{referentiel["site_ch"].pk}"' in html and f'value="ej:{referentiel["ch"].pk}"' in html


def test_etape_1_aucun_resultat_ou_recherche_trop_courte(client, referentiel):
    assert "Aucun établissement ne correspond" in client.get(URL, {"q": "zzzz"}).content.decode()
    html = client.get(URL, {"q": "b"}).content.decode()
    assert "Saisissez au moins 2 caractères." in html and 'aria-invalid="true"' in html


def test_etape_1_etablissement_inexistant(client, referentiel):
    for valeur in ("eg:987654", "ej:abc", "xx", ""):
        reponse = client.get(URL, {"etablissement": valeur})
        assert reponse.status_code == 200
        assert INCONNU in reponse.content.decode()
        assert "Étape 1 sur 2" in reponse.content.decode()


# --- step 2 ------------------------------------------------------------------------------------------

def test_etape_2_montre_la_structure_porteuse(client, referentiel):
    reponse = client.get(URL, {"etablissement": f"eg:{referentiel['site_ch'].pk}", "q": "blaye"})
    html = reponse.content.decode()
    assert reponse.status_code == 200 and "Étape 2 sur 2" in html
    assert "Structure qui portera la candidature" in html and "NA-99 – GHT Alliance de Gironde" in html
    assert f'value="eg:{referentiel["site_ch"].pk}"' in html
    for champ in ("prenom", "nom", "email", "telephone", "fonction", "password1", "password2"):
        assert f'for="id_{champ}"' in html
    assert html.count('name="role"') == 4  # ROLES_INSCRIPTION
    assert "Référent CaRE de l'ARS" not in html
    html = client.get(URL, {"etablissement": f"ej:{referentiel['clinique'].pk}"}).content.decode()
    assert "<strong>Clinique du Parc" in html


def test_inscription_cree_compte_et_rattachement_en_attente(client, referentiel, django_capture_on_commit_callbacks):
    ref = creer_utilisateur_avec_role(Role.REFERENT_ES, structure=referentiel["ght"])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        reponse = client.post(URL, donnees(referentiel["site_ch"], email="Alice.Durand@CH-Blaye.fr"))
    assert reponse.status_code == 302 and reponse.url == reverse("comptes:inscription_envoyee")
    user = User.objects.get(email="alice.durand@ch-blaye.fr")
    assert (user.prenom, user.nom, user.telephone, user.fonction) == ("Alice", "Durand", "05 57 00 00 00", "DSI")
    assert user.check_password(MOT_DE_PASSE) and user.email_verifie_le is None
    r = user.rattachements.get()
    assert (r.etat, r.role, r.ght, r.etablissement_declare) == (
        Rattachement.Etat.EN_ATTENTE, Role.DSI, referentiel["ght"], referentiel["site_ch"])
    assert journal_de(user).filter(code="comptes.user.cree").exists()
    assert journal_de(r).filter(code="comptes.rattachement.demande").exists()
    destinataires = {m.to[0]: m for m in mail.outbox}
    verification = destinataires["alice.durand@ch-blaye.fr"]
    assert "/comptes/verifier/" in verification.body
    assert ref.email in destinataires  # the structure's référent is asked to decide
    page = client.get(reponse.url).content.decode()
    assert "alice.durand@ch-blaye.fr" in page and "NA-99 – GHT Alliance de Gironde" in page


def test_adresse_existante_meme_page_et_aucune_creation(client, referentiel, django_capture_on_commit_callbacks):
    UserFactory(email="deja@clinique-du-parc.fr")
    avant = compter()
    with django_capture_on_commit_callbacks(execute=True):
        reponse = client.post(URL, donnees(referentiel["site"], email="Deja@Clinique-du-Parc.fr"))
    assert reponse.status_code == 302 and reponse.url == reverse("comptes:inscription_envoyee")
    assert compter() == avant
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["deja@clinique-du-parc.fr"]
    assert "Un compte existe déjà" in mail.outbox[0].body and "/comptes/verifier/" not in mail.outbox[0].body
    page_existante = client.get(reponse.url).content.decode()

    autre = client.__class__()
    with django_capture_on_commit_callbacks(execute=True):
        autre.post(URL, donnees(referentiel["site"], email="nouveau@clinique-du-parc.fr"))
    page_nouvelle = autre.get(reverse("comptes:inscription_envoyee")).content.decode()

    def sans_jetons(html):
        html = html.replace("deja@clinique-du-parc.fr", "X").replace("nouveau@clinique-du-parc.fr", "X")
        return re.sub(r'(csrfmiddlewaretoken" value="|nonce=")[^"]+', "", html)

    assert sans_jetons(page_existante) == sans_jetons(page_nouvelle)


@pytest.mark.parametrize("valeur", ["eg:987654", "ej:987654", "ght:1", "eg:", "n'importe quoi", ""])
def test_etablissement_falsifie_erreur_et_rien_cree(client, referentiel, valeur):
    avant = compter()
    reponse = client.post(URL, donnees(referentiel["site"], etablissement=valeur))
    assert reponse.status_code == 200
    html = reponse.content.decode()
    assert INCONNU in html and 'role="alert"' in html
    assert compter() == avant and mail.outbox == []


@pytest.mark.parametrize("champs, attendu", [
    ({"password1": "Court1!", "password2": "Court1!"}, "Ce mot de passe est trop court"),
    ({"password1": "qwerty123456", "password2": "qwerty123456"}, "Ce mot de passe est trop courant"),
    ({"password1": "123456789012345", "password2": "123456789012345"}, "entièrement numérique"),
    ({"password2": "Une autre phrase de passe 43"}, "Les deux mots de passe ne correspondent pas"),
    ({"password1": "alice.durand@clinique", "password2": "alice.durand@clinique"}, "trop semblable"),
    ({"role": Role.REFERENT_ARS}, "Sélectionnez un choix valide"),
    ({"email": "pas-une-adresse"}, "Saisissez une adresse e-mail valide"),
    ({"prenom": ""}, "Ce champ est obligatoire"),
    ({"telephone": "abc"}, "Saisissez un numéro de téléphone valide"),
])
def test_saisies_invalides_messages_en_francais_et_rien_cree(client, referentiel, champs, attendu):
    avant = compter()
    reponse = client.post(URL, donnees(referentiel["site"], **champs))
    assert reponse.status_code == 200
    html = reponse.content.decode()
    assert attendu in html
    assert "Le formulaire contient" in html
    assert "fr-input-group--error" in html or "fr-fieldset--error" in html
    assert 'aria-describedby="id_' in html
    assert compter() == avant and mail.outbox == []
    assert "Clinique du Parc — site Nord" in html  # the chosen establishment is kept


@pytest.mark.parametrize("role", [Role.REFERENT_ES, Role.REFERENT_ARS, Role.ADMIN_ANS])
def test_deja_connecte_renvoye_vers_son_accueil(client, referentiel, role):
    user = creer_utilisateur_avec_role(role)
    if role == Role.REFERENT_ES:
        connecter(client, user)
    else:
        agent_verifie(client, user)
    avant = compter()
    assert client.get(URL).url == reverse("comptes:accueil_role")
    assert client.post(URL, donnees(referentiel["site"])).url == reverse("comptes:accueil_role")
    assert compter() == avant


def test_inscription_envoyee_sans_session(client):
    reponse = client.get(reverse("comptes:inscription_envoyee"))
    assert reponse.status_code == 200 and "Vérifiez votre messagerie" in reponse.content.decode()


# --- e-mail verification -------------------------------------------------------------------------

@pytest.fixture
def nouveau(referentiel):
    user = services.compte_creer(email="nouveau@clinique-du-parc.fr", password=MOT_DE_PASSE, prenom="N",
                                 nom="Ouveau")
    return user


def url_verification(jeton: str) -> str:
    return reverse("comptes:verifier_email", args=[jeton])


def test_verification_get_ne_change_rien(client, nouveau):
    reponse = client.get(url_verification(services.jeton_verification(nouveau)))
    assert reponse.status_code == 200
    assert "Confirmer mon adresse e-mail" in reponse.content.decode()
    nouveau.refresh_from_db()
    assert nouveau.email_verifie_le is None


def test_verification_valide_puis_lien_utilise(client, nouveau):
    url = url_verification(services.jeton_verification(nouveau))
    reponse = client.post(url)
    assert reponse.status_code == 302 and reponse.url == reverse("comptes:connexion")
    assert any("adresse e-mail est confirmée" in str(m) for m in get_messages(reponse.wsgi_request))
    nouveau.refresh_from_db()
    verifiee = nouveau.email_verifie_le
    assert verifiee is not None
    reponse = client.post(url)
    assert reponse.status_code == 400 and "déjà été vérifiée" in reponse.content.decode()
    nouveau.refresh_from_db()
    assert nouveau.email_verifie_le == verifiee


def test_verification_lien_expire(client, nouveau, settings):
    with mock.patch("django.core.signing.time.time",
                    return_value=time.time() - settings.CARE_VERIFICATION_EMAIL_HEURES * 3600 - 60):
        jeton = services.jeton_verification(nouveau)
    logs = TransitionLog.objects.count()
    reponse = client.post(url_verification(jeton))
    assert reponse.status_code == 400 and "Ce lien de vérification a expiré" in reponse.content.decode()
    nouveau.refresh_from_db()
    assert nouveau.email_verifie_le is None and TransitionLog.objects.count() == logs


@pytest.mark.parametrize("alteration", [lambda j: j[:-3] + "abc", lambda j: "n-importe-quoi", lambda j: j + "x"])
def test_verification_lien_falsifie(client, nouveau, alteration):
    reponse = client.post(url_verification(alteration(services.jeton_verification(nouveau))))
    assert reponse.status_code == 400 and escape("Ce lien de vérification n'est pas valide") in reponse.content.decode()
    nouveau.refresh_from_db()
    assert nouveau.email_verifie_le is None


def test_verification_lien_d_un_compte_dont_l_adresse_a_change(client, nouveau):
    jeton = services.jeton_verification(nouveau)
    User.objects.filter(pk=nouveau.pk).update(email="change@clinique-du-parc.fr")
    reponse = client.post(url_verification(jeton))
    assert reponse.status_code == 400 and escape("n'est pas valide") in reponse.content.decode()


def test_etape_2_ne_propose_que_les_roles_es(client, referentiel):
    """Agents' accounts are created by the ANS: the public page offers only ES roles."""
    html = client.get(URL, {"etablissement": f"ej:{referentiel['parisien'].pk}"}).content.decode()
    assert escape("Référent CaRE de l'établissement") in html
    assert escape("Référent CaRE de l'ARS") not in html and "Administrateur ANS" not in html
