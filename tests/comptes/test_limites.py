"""Rate limits (care_portal/core/limitation.py) on sign-up, password reset, e-mail verification
resend and the FINESS searches: the N+1th request gets a French 429 page, nothing is created,
nothing is sent. (The convention signing codes: tests/conventions/test_convention_limites.py.)"""

from __future__ import annotations

from html import unescape

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from care_portal.comptes.models import Rattachement
from care_portal.core import limitation
from tests.factories import UserFactory

from .helpers import MOT_DE_PASSE
from .test_inscription import donnees, referentiel  # noqa: F401

pytestmark = pytest.mark.django_db

User = get_user_model()
INSCRIPTION = reverse("comptes:inscription")
OUBLIE = reverse("comptes:mot_de_passe_oublie")
CONNEXION = reverse("comptes:connexion")


@pytest.fixture
def limites(settings):
    """Small limits, the same shape as the settings' CARE_LIMITES."""
    def regler(action: str, **valeurs: str) -> None:
        settings.CARE_LIMITES = {**settings.CARE_LIMITES, action: valeurs}
    return regler


def assert_429_en_francais(reponse) -> None:
    assert reponse.status_code == 429
    html = unescape(reponse.content.decode())
    assert "Trop de demandes" in html and "Vous pourrez réessayer dans" in html
    assert "aucun message n'a été envoyé" in html
    assert '<html lang="fr"' in html and html.count("<h1") == 1
    assert 0 < int(reponse["Retry-After"]) <= 3600


def compter() -> tuple[int, int]:
    return User.objects.count(), Rattachement.objects.count()


# --- the counter ---------------------------------------------------------------------------------------

def test_lire_limite():
    assert limitation.lire_limite("5/h") == limitation.Limite(5, 3600)
    assert limitation.lire_limite(" 20 / 15m ") == limitation.Limite(20, 900)
    with pytest.raises(ValueError):
        limitation.lire_limite("beaucoup")


def test_compteur_par_fenetre_et_par_valeur():
    limite = limitation.Limite(2, 3600)
    assert limitation.compter("essai", "ip", "10.0.0.1", limite) is None
    assert limitation.compter("essai", "ip", "10.0.0.1", limite) is None
    attente = limitation.compter("essai", "ip", "10.0.0.1", limite)
    assert attente is not None and 0 < attente <= 3600
    assert limitation.compter("essai", "ip", "10.0.0.2", limite) is None  # another value, another counter
    assert limitation.compter("autre", "ip", "10.0.0.1", limite) is None  # another action too


# --- sign-up -------------------------------------------------------------------------------------------

def test_inscription_limitee_par_adresse_email(client, referentiel, limites,  # noqa: F811
                                                django_capture_on_commit_callbacks):
    limites("inscription", ip="100/h", email="1/h", structure="100/h")
    with django_capture_on_commit_callbacks(execute=True):
        premiere = client.post(INSCRIPTION, donnees(referentiel["clinique"]), REMOTE_ADDR="10.0.0.1")
    assert premiere.status_code == 302
    avant, envoyes = compter(), len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        seconde = client.post(INSCRIPTION, donnees(referentiel["ch"], role="rssi"), REMOTE_ADDR="10.0.0.2")
    assert_429_en_francais(seconde)
    assert compter() == avant and len(mail.outbox) == envoyes  # not even the "address already known" notice


def test_inscription_limitee_par_adresse_ip(client, referentiel, limites,  # noqa: F811
                                            django_capture_on_commit_callbacks):
    limites("inscription", ip="2/h", email="100/h", structure="100/h")
    with django_capture_on_commit_callbacks(execute=True):
        for i in range(2):
            reponse = client.post(INSCRIPTION, donnees(referentiel["clinique"], email=f"p{i}@clinique.fr"),
                                  REMOTE_ADDR="10.0.0.9")
            assert reponse.status_code == 302
    avant, envoyes = compter(), len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        reponse = client.post(INSCRIPTION, donnees(referentiel["parisien"], email="p3@ailleurs.fr"),
                              REMOTE_ADDR="10.0.0.9")
    assert_429_en_francais(reponse)
    assert compter() == avant and len(mail.outbox) == envoyes
    assert not User.objects.filter(email="p3@ailleurs.fr").exists()


def test_inscription_limitee_par_structure(client, referentiel, limites,  # noqa: F811
                                           django_capture_on_commit_callbacks):
    """Ten sign-ups on one GHT no longer send ten notices to its référents, the ARS and the ANS."""
    limites("inscription", ip="100/h", email="100/h", structure="2/h")
    ght_membres = [referentiel["ch"], referentiel["site_ch"]]  # both belong to the GHT
    with django_capture_on_commit_callbacks(execute=True):
        for i, etab in enumerate(ght_membres):
            reponse = client.post(INSCRIPTION, donnees(etab, email=f"agent{i}@ch-blaye.fr"),
                                  REMOTE_ADDR=f"10.1.0.{i}")
            assert reponse.status_code == 302
    avant, envoyes = compter(), len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        reponse = client.post(INSCRIPTION, donnees(referentiel["ch"], email="agent9@ch-blaye.fr"),
                              REMOTE_ADDR="10.1.0.9")
    assert_429_en_francais(reponse)
    assert compter() == avant and len(mail.outbox) == envoyes
    # another structure is not affected
    reponse = client.post(INSCRIPTION, donnees(referentiel["clinique"], email="x@clinique.fr"),
                          REMOTE_ADDR="10.1.0.10")
    assert reponse.status_code == 302


def test_formulaire_invalide_non_compte(client, referentiel, limites):  # noqa: F811
    limites("inscription", ip="1/h", email="1/h", structure="1/h")
    for _ in range(3):
        reponse = client.post(INSCRIPTION, donnees(referentiel["clinique"], password2="différent"))
        assert reponse.status_code == 200  # errors shown, nothing counted
    assert client.post(INSCRIPTION, donnees(referentiel["clinique"])).status_code == 302


# --- password reset ------------------------------------------------------------------------------------

def test_mot_de_passe_oublie_limite_par_adresse_email(client, limites, django_capture_on_commit_callbacks):
    limites("mot_de_passe", ip="100/h", email="2/h")
    user = UserFactory(email="alice@chu-exemple.fr")
    with django_capture_on_commit_callbacks(execute=True):
        for i in range(2):
            assert client.post(OUBLIE, {"email": user.email}, REMOTE_ADDR=f"10.2.0.{i}").status_code == 302
    assert len(mail.outbox) == 2
    with django_capture_on_commit_callbacks(execute=True):
        reponse = client.post(OUBLIE, {"email": user.email.upper()}, REMOTE_ADDR="10.2.0.9")
    assert_429_en_francais(reponse)
    assert len(mail.outbox) == 2


def test_mot_de_passe_oublie_limite_par_adresse_ip(client, limites, django_capture_on_commit_callbacks):
    limites("mot_de_passe", ip="2/h", email="100/h")
    users = [UserFactory(email=f"u{i}@chu-exemple.fr") for i in range(3)]
    with django_capture_on_commit_callbacks(execute=True):
        for user in users[:2]:
            assert client.post(OUBLIE, {"email": user.email}, REMOTE_ADDR="10.3.0.1").status_code == 302
        reponse = client.post(OUBLIE, {"email": users[2].email}, REMOTE_ADDR="10.3.0.1")
    assert_429_en_francais(reponse)
    assert [m.to for m in mail.outbox] == [[users[0].email], [users[1].email]]


# --- e-mail verification resend -----------------------------------------------------------------------

def test_nouveau_lien_de_verification_limite_par_compte(client, limites, django_capture_on_commit_callbacks):
    limites("verification_email", ip="100/h", compte="1/h")
    user = UserFactory(email="nouveau@chu-exemple.fr", email_verifie_le=None)
    with django_capture_on_commit_callbacks(execute=True):
        premiere = client.post(CONNEXION, {"username": user.email, "password": MOT_DE_PASSE}, REMOTE_ADDR="10.4.0.1")
    assert premiere.status_code == 200 and len(mail.outbox) == 1
    with django_capture_on_commit_callbacks(execute=True):
        seconde = client.post(CONNEXION, {"username": user.email, "password": MOT_DE_PASSE}, REMOTE_ADDR="10.4.0.2")
    assert_429_en_francais(seconde)
    assert len(mail.outbox) == 1


# --- FINESS searches ----------------------------------------------------------------------------------

def test_recherche_json_limitee(client, referentiel, limites):  # noqa: F811
    limites("recherche", ip="2/m")
    url = reverse("comptes:recherche_etablissements")
    for _ in range(2):
        assert client.get(url, {"q": "clinique"}).status_code == 200
    reponse = client.get(url, {"q": "clinique"})
    assert reponse.status_code == 429
    assert "Trop de demandes" in reponse.json()["erreur"] and "réessayez dans" in reponse.json()["erreur"]
    assert "resultats" not in reponse.json()
    # another address still searches
    assert client.get(url, {"q": "clinique"}, REMOTE_ADDR="10.5.0.2").status_code == 200


@pytest.mark.parametrize("url", [INSCRIPTION, reverse("paiement:simulateur")])
def test_recherches_des_pages_limitees(client, referentiel, limites, url):  # noqa: F811
    limites("recherche", ip="2/m")
    assert client.get(url).status_code == 200  # the empty form is not a search
    for _ in range(2):
        assert client.get(url, {"q": "clinique"}).status_code == 200
    assert_429_en_francais(client.get(url, {"q": "clinique"}))


def test_une_limite_mal_ecrite_est_signalee_au_demarrage(settings):
    settings.CARE_LIMITES = {"inscription": {"ip": "10 par heure"}}
    [erreur] = limitation.verifier_limites()
    assert erreur.id == "ecare.E010" and "inscription" in erreur.msg
