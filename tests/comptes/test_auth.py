"""Authentication views: login, logout, two-factor, passwords, session rules (issue 3 item 5)."""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta
from html import unescape

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import PasswordResetTokenGenerator, default_token_generator
from django.contrib.messages import get_messages
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from care_portal.comptes.forms_auth import MESSAGE_EMAIL_NON_VERIFIE, MESSAGE_IDENTIFIANTS
from care_portal.comptes.middleware import CLE_ACTIVITE, CLE_DEBUT
from care_portal.comptes.roles import Role
from care_portal.workflow.models import TransitionLog
from tests.factories import UserFactory

from .helpers import (
    MOT_DE_PASSE,
    agent_verifie,
    code_totp,
    connecter,
    creer_appareil_totp,
    creer_codes_secours,
    creer_utilisateur_avec_role,
    ouvrir_enrolement,
)

pytestmark = pytest.mark.django_db

CONNEXION = reverse("comptes:connexion")
ENROLEMENT = reverse("comptes:totp_enrolement")
VERIFICATION = reverse("comptes:totp_verification")
CODES = reverse("comptes:codes_secours")
ACCUEIL = reverse("comptes:accueil_role")
OUBLIE = reverse("comptes:mot_de_passe_oublie")
CHANGER = reverse("comptes:mot_de_passe_changer")


@pytest.fixture
def es():
    return creer_utilisateur_avec_role(Role.REFERENT_ES, email="referent@chu-exemple.fr")


@pytest.fixture
def ars():
    return creer_utilisateur_avec_role(Role.REFERENT_ARS, email="agent@ars-exemple.fr")


@pytest.fixture
def ans():
    return creer_utilisateur_avec_role(Role.CONTROLEUR_ANS, email="controleur@ans-exemple.fr")


def erreurs_formulaire(response) -> list[str]:
    form = response.context["form"]
    return [str(e) for e in form.non_field_errors()]


def texte(response) -> str:
    return unescape(response.content.decode())


def messages_de(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def connecte(client) -> bool:
    return "_auth_user_id" in client.session


def otp_verifie(client) -> bool:
    return DEVICE_ID_SESSION_KEY in client.session


def poster_connexion(client, email, password=MOT_DE_PASSE, **extra):
    return client.post(CONNEXION, {"username": email, "password": password, **extra}, REMOTE_ADDR="10.1.2.3")


# --- login -------------------------------------------------------------------------------------------

def test_page_de_connexion_en_francais(client):
    response = client.get(CONNEXION)
    assert response.status_code == 200
    html = texte(response)
    assert '<label class="fr-label" for="id_username">Adresse e-mail' in html
    assert '<label class="fr-label" for="id_password">Mot de passe' in html
    assert 'autocomplete="current-password"' in html
    assert reverse("comptes:mot_de_passe_oublie") in html
    assert html.count("<h1") == 1


def test_mauvais_mot_de_passe_email_inconnu_et_compte_inactif_meme_message(client, es):
    inactif = creer_utilisateur_avec_role(Role.REFERENT_ES, email="parti@chu-exemple.fr", is_active=False)
    reponses = [
        poster_connexion(client, es.email, "pas-le-bon-mot-de-passe"),
        poster_connexion(client, "personne@nulle-part.fr"),
        poster_connexion(client, inactif.email),
        poster_connexion(client, "pas-une-adresse"),
    ]
    for response in reponses:
        assert response.status_code == 200
        assert erreurs_formulaire(response) == [MESSAGE_IDENTIFIANTS]
        assert not connecte(client)
    # the pages themselves are the same, apart from the typed address and the CSRF token
    def page(r):
        html = r.content.decode()
        html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
        html = re.sub(r'nonce="[^"]+"', "", html)
        return re.sub(r'name="username" value="[^"]*"', "", html)

    assert page(reponses[0]) == page(reponses[1]) == page(reponses[2])
    assert 'aria-describedby' in texte(reponses[0])


def test_email_non_verifie_nouveau_lien_apres_bon_mot_de_passe(client, django_capture_on_commit_callbacks):
    user = UserFactory(email="nouveau@chu-exemple.fr", email_verifie_le=None)
    with django_capture_on_commit_callbacks(execute=True):
        response = poster_connexion(client, user.email)
    assert erreurs_formulaire(response) == [MESSAGE_EMAIL_NON_VERIFIE]
    assert "fr-alert--info" in texte(response)
    assert not connecte(client)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [user.email]
    assert "/comptes/verifier/" in mail.outbox[0].body


def test_email_non_verifie_mauvais_mot_de_passe_message_generique(client, django_capture_on_commit_callbacks):
    user = UserFactory(email="nouveau@chu-exemple.fr", email_verifie_le=None)
    with django_capture_on_commit_callbacks(execute=True):
        response = poster_connexion(client, user.email, "pas-le-bon-mot-de-passe")
    assert erreurs_formulaire(response) == [MESSAGE_IDENTIFIANTS]
    assert mail.outbox == []


def test_connexion_change_la_cle_de_session(client, es):
    session = client.session
    session["visite"] = 1
    session.save()
    avant = session.session_key
    response = poster_connexion(client, es.email)
    assert response.status_code == 302
    assert connecte(client)
    assert client.session.session_key != avant
    assert response.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == settings.SESSION_COOKIE_AGE
    assert client.session[CLE_DEBUT] >= int(time.time()) - 2


def test_connexion_es_vers_accueil_ou_next_sur(client, es):
    response = poster_connexion(client, es.email.upper())  # the address is not case-sensitive
    assert response.status_code == 302 and response.url == ACCUEIL
    client.logout()
    response = poster_connexion(client, es.email, next="/comptes/mot-de-passe/changer/")
    assert response.url == "/comptes/mot-de-passe/changer/"
    client.logout()
    response = poster_connexion(client, es.email, next="https://attaquant.example/vol")
    assert response.url == ACCUEIL


@pytest.mark.parametrize("profil", ["ars", "ans"])
def test_connexion_agent_sans_appareil_vers_enrolement(client, profil, request):
    agent = request.getfixturevalue(profil)
    response = poster_connexion(client, agent.email, next="/comptes/accueil/")
    assert response.status_code == 302
    assert response.url == f"{ENROLEMENT}?next=%2Fcomptes%2Faccueil%2F"
    assert connecte(client) and not otp_verifie(client)


@pytest.mark.parametrize("profil", ["ars", "ans"])
def test_connexion_agent_avec_appareil_vers_verification(client, profil, request):
    agent = request.getfixturevalue(profil)
    creer_appareil_totp(agent)
    response = poster_connexion(client, agent.email)
    assert response.url == VERIFICATION


def test_connexion_es_ayant_active_la_2fa_vers_verification(client, es):
    creer_appareil_totp(es)
    response = poster_connexion(client, es.email)
    assert response.url == VERIFICATION


def test_page_de_connexion_quand_deja_connecte(client, es, ars):
    connecter(client, es)
    assert client.get(CONNEXION).url == ACCUEIL
    connecter(client, ars)  # agent, session not verified: sent to the second factor
    assert client.get(CONNEXION).url == ENROLEMENT


# --- lockout (django-axes) ----------------------------------------------------------------------------

def test_verrouillage_apres_echecs_repetes(client, es, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(2):
        assert poster_connexion(client, es.email, "mauvais-mot-de-passe").status_code == 200
    response = poster_connexion(client, es.email, "mauvais-mot-de-passe")
    assert response.status_code == 429
    # even the right password (and another spelling of the address) is refused until the cool-off
    for email in (es.email, es.email.upper()):
        response = poster_connexion(client, email)
        assert response.status_code == 429
        assert not connecte(client)
    html = texte(response)
    assert "Connexion temporairement bloquée" in html
    assert "15 minutes" in html
    assert "Vous pourrez réessayer à partir de" in html
    assert reverse("comptes:mot_de_passe_oublie") in html
    # another account from the same post is not locked (the address's own limit is higher)…
    autre = creer_utilisateur_avec_role(Role.DSI, email="dsi@chu-exemple.fr")
    assert poster_connexion(client, autre.email).status_code == 302
    # …and its success does not forgive the failures on the locked account, locked from anywhere
    # (tests/comptes/test_verrouillage.py)
    assert Client().post(CONNEXION, {"username": es.email, "password": MOT_DE_PASSE},
                         REMOTE_ADDR="10.9.9.9").status_code == 429


def test_succes_remet_le_compteur_a_zero(client, es, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(2):
        poster_connexion(client, es.email, "mauvais-mot-de-passe")
    assert poster_connexion(client, es.email).status_code == 302
    client.logout()
    for _ in range(2):
        assert poster_connexion(client, es.email, "mauvais-mot-de-passe").status_code == 200


# --- logout ----------------------------------------------------------------------------------------------

def test_deconnexion_post_seulement(client, es):
    connecter(client, es)
    assert client.get(reverse("comptes:deconnexion")).status_code == 405
    assert connecte(client)
    response = client.post(reverse("comptes:deconnexion"))
    assert response.status_code == 302 and response.url == reverse("core:accueil")
    assert not connecte(client)
    assert "Vous êtes déconnecté." in messages_de(response)


def test_deconnexion_agent_non_verifie(client, ars):
    connecter(client, ars)
    response = client.post(reverse("comptes:deconnexion"))
    assert response.status_code == 302
    assert not connecte(client)


# --- TOTP enrolment -----------------------------------------------------------------------------------

@pytest.mark.parametrize("vue", [ENROLEMENT, VERIFICATION, CODES, CHANGER])
def test_pages_2fa_et_changement_anonyme_vers_connexion(client, vue):
    response = client.get(vue)
    assert response.status_code == 302
    assert response.url.startswith(CONNEXION + "?next=")


def test_enrolement_agent_qr_code_puis_codes_de_secours(client, ars):
    connecter(client, ars)
    ouvrir_enrolement(client, ars)
    response = client.get(ENROLEMENT)
    assert response.status_code == 200
    html = texte(response)
    assert re.search(r'<img [^>]*src="data:image/svg\+xml;base64,[A-Za-z0-9+/=]+"', html)
    assert 'alt="QR code à scanner' in html
    device = TOTPDevice.objects.get(user=ars, confirmed=False)
    secret = response.context["secret"]
    assert secret.replace(" ", "") in html.replace(" ", "")
    assert "vous devez protéger votre compte" in html
    # a reload keeps the same device (the QR code does not change under the user's eyes)
    client.get(ENROLEMENT)
    assert TOTPDevice.objects.filter(user=ars).count() == 1

    response = client.post(ENROLEMENT, {"code": "000000" if code_totp(device) != "000000" else "111111"})
    assert response.status_code == 200
    assert "Ce code n'est pas valide" in texte(response)
    # the error is tied to the input
    assert 'aria-describedby="id_code_helptext id_code-erreurs"' in texte(response)
    assert 'id="id_code-erreurs"' in texte(response)
    device.refresh_from_db()
    assert not device.confirmed and not otp_verifie(client)

    device.throttling_failure_count = 0
    device.save()
    response = client.post(ENROLEMENT + "?next=/comptes/accueil/", {"code": code_totp(device)})
    assert response.status_code == 302
    assert response.url == f"{CODES}?next=%2Fcomptes%2Faccueil%2F"
    device.refresh_from_db()
    assert device.confirmed
    assert otp_verifie(client)
    assert TransitionLog.objects.filter(code="comptes.totp.active", object_id=str(ars.pk)).exists()

    response = client.get(response.url)
    assert response.status_code == 200
    codes = response.context["codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    assert set(StaticToken.objects.filter(device__user=ars).values_list("token", flat=True)) == set(codes)
    assert all(code in texte(response) for code in codes)
    assert "no-store" in response["Cache-Control"]
    assert response.context["suivant"] == "/comptes/accueil/"
    # shown once only
    response = client.get(CODES)
    assert response.context["codes"] is None
    assert codes[0] not in texte(response)
    assert "Il vous reste <strong>10</strong> codes" in texte(response)


def test_enrolement_facultatif_pour_es(client, es):
    connecter(client, es)
    response = client.get(ENROLEMENT)
    assert response.status_code == 200
    assert "facultative" in texte(response)
    device = TOTPDevice.objects.get(user=es)
    response = client.post(ENROLEMENT, {"code": code_totp(device)})
    assert response.status_code == 302
    assert TOTPDevice.objects.get(user=es).confirmed
    # from now on, their login asks for the code
    client.logout()
    assert poster_connexion(client, es.email).url == VERIFICATION


def test_enrolement_refuse_un_second_appareil_sans_verification(client, ars):
    creer_appareil_totp(ars)
    connecter(client, ars)
    response = client.get(ENROLEMENT)
    assert response.status_code == 302 and response.url == VERIFICATION
    assert client.post(ENROLEMENT, {"code": "123456"}).url == VERIFICATION
    assert TOTPDevice.objects.filter(user=ars).count() == 1


def test_enrolement_deja_active(client, ans):
    agent_verifie(client, ans)
    response = client.get(ENROLEMENT)
    assert response.status_code == 302 and response.url == ACCUEIL
    assert "La double authentification est déjà activée sur votre compte." in messages_de(response)


@pytest.mark.parametrize("demo", [True, False])
def test_mention_demo(client, ars, settings, demo):
    settings.CARE_DEMO_TOTP = demo
    connecter(client, ars)
    ouvrir_enrolement(client, ars)
    html = client.get(ENROLEMENT).content.decode()
    assert ("make demo" in html) is demo
    TOTPDevice.objects.filter(user=ars).update(confirmed=True)
    html = client.get(VERIFICATION).content.decode()
    assert ("make demo" in html) is demo


# --- TOTP verification --------------------------------------------------------------------------------

def test_parcours_complet_agent(client, ars):
    device = creer_appareil_totp(ars)
    response = poster_connexion(client, ars.email, next="/comptes/mot-de-passe/changer/")
    assert response.url == VERIFICATION + "?next=%2Fcomptes%2Fmot-de-passe%2Fchanger%2F"
    page = client.get(response.url)
    assert 'name="next" value="/comptes/mot-de-passe/changer/"' in texte(page)
    response = client.post(response.url, {"code": code_totp(device)}, follow=True)
    assert response.redirect_chain[-1][0] == "/comptes/mot-de-passe/changer/"
    assert response.status_code == 200


def test_verification_code_valide_puis_code_rejoue_refuse(client, ars):
    device = creer_appareil_totp(ars)
    connecter(client, ars)
    assert client.get(VERIFICATION).status_code == 200
    code = code_totp(device)
    avant = client.session.session_key
    response = client.post(VERIFICATION + "?next=/admin/", {"code": code})
    assert response.status_code == 302 and response.url == "/admin/"
    assert otp_verifie(client)
    assert client.session.session_key != avant

    autre = Client()
    connecter(autre, ars)
    response = autre.post(VERIFICATION, {"code": code})
    assert response.status_code == 200
    assert "déjà été utilisé" in texte(response)
    assert not otp_verifie(autre)


def test_verification_code_de_secours_a_usage_unique(client, ans):
    creer_appareil_totp(ans)
    codes = creer_codes_secours(ans, 3)
    connecter(client, ans)
    response = client.post(VERIFICATION, {"code": codes[0].upper()})
    assert response.status_code == 302
    assert otp_verifie(client)
    assert any("il vous en reste 2" in m for m in messages_de(response))
    assert StaticToken.objects.filter(device__user=ans).count() == 2

    autre = Client()
    connecter(autre, ans)
    response = autre.post(VERIFICATION, {"code": codes[0]})
    assert response.status_code == 200
    assert "Ce code n'est pas valide ou a déjà été utilisé" in texte(response)
    assert not otp_verifie(autre)


def test_verification_limitee_apres_echecs(client, ars):
    device = creer_appareil_totp(ars)
    connecter(client, ars)
    device.throttling_failure_count = 6
    device.throttling_failure_timestamp = timezone.now()
    device.save()
    response = client.post(VERIFICATION, {"code": code_totp(device)})
    assert response.status_code == 200
    assert "Trop de codes incorrects" in texte(response)
    assert not otp_verifie(client)


def test_verification_echec_compte(client, ars):
    device = creer_appareil_totp(ars)
    connecter(client, ars)
    client.post(VERIFICATION, {"code": "abc"})
    client.post(VERIFICATION, {"code": str((int(code_totp(device)) + 500000) % 1000000).zfill(6)})
    device.refresh_from_db()
    assert device.throttling_failure_count == 1
    response = client.post(VERIFICATION, {"code": ""})
    assert "Saisissez le code affiché par votre application." in texte(response)


def test_verification_sans_appareil(client, es, ars):
    connecter(client, es)
    assert client.get(VERIFICATION).url == ACCUEIL
    connecter(client, ars)
    assert client.get(VERIFICATION).url == ENROLEMENT


def test_verification_deja_verifie(client, ars):
    agent_verifie(client, ars)
    assert client.get(VERIFICATION + "?next=/comptes/region/").url == "/comptes/region/"


# --- TOTP compulsory for agents (middleware) ---------------------------------------------------------

@pytest.mark.parametrize("chemin", ["/comptes/accueil/", "/admin/", "/comptes/mot-de-passe/changer/"])
@pytest.mark.parametrize("profil", ["ars", "ans"])
def test_agent_non_verifie_renvoye_vers_2fa(client, chemin, profil, request):
    agent = request.getfixturevalue(profil)
    connecter(client, agent)
    response = client.get(chemin)
    assert response.status_code == 302
    assert response.url.startswith(ENROLEMENT + "?next=")
    creer_appareil_totp(agent)
    response = client.get(chemin)
    assert response.url == VERIFICATION + "?next=" + chemin.replace("/", "%2F")


def test_agent_verifie_passe(client, ars):
    agent_verifie(client, ars)
    response = client.get(ACCUEIL)
    assert not (response.status_code == 302 and "/2fa/" in response.url)


def test_es_sans_appareil_non_concerne_avec_appareil_concerne(client, es):
    connecter(client, es)
    response = client.get(ACCUEIL)
    assert not (response.status_code == 302 and "/2fa/" in response.url)
    creer_appareil_totp(es)
    response = client.get(ACCUEIL)
    assert response.status_code == 302 and response.url.startswith(VERIFICATION)


# --- idle timeout ----------------------------------------------------------------------------------------

def _inactif_depuis(client, secondes):
    session = client.session
    session[CLE_ACTIVITE] = int(time.time()) - secondes
    session.save()


def test_agent_deconnecte_apres_inactivite(client, ars):
    agent_verifie(client, ars)
    _inactif_depuis(client, settings.SESSION_INACTIVITE_AGENTS + 5)
    response = client.get(ACCUEIL)
    assert response.status_code == 302
    assert response.url == CONNEXION + "?next=%2Fcomptes%2Faccueil%2F"
    assert not connecte(client)
    assert any("inactivité" in m for m in messages_de(response))


def test_agent_actif_reste_connecte(client, ans):
    agent_verifie(client, ans)
    _inactif_depuis(client, settings.SESSION_INACTIVITE_AGENTS - 60)
    response = client.get(CHANGER)
    assert response.status_code == 200
    assert connecte(client)
    assert client.session[CLE_ACTIVITE] >= int(time.time()) - 2
    assert CLE_DEBUT in client.session


@pytest.mark.parametrize("profil", ["es", "ars"])
def test_session_limitee_a_session_cookie_age_meme_active(client, profil, request):
    user = request.getfixturevalue(profil)
    agent_verifie(client, user)
    session = client.session
    session[CLE_DEBUT] = int(time.time()) - settings.SESSION_COOKIE_AGE - 5
    session[CLE_ACTIVITE] = int(time.time())
    session.save()
    response = client.get(CHANGER)
    assert response.status_code == 302 and response.url.startswith(CONNEXION)
    assert not connecte(client)
    assert "Votre session a expiré : reconnectez-vous." in messages_de(response)


def test_es_pas_de_delai_d_inactivite(client, es):
    connecter(client, es)
    _inactif_depuis(client, settings.SESSION_INACTIVITE_AGENTS + 3600)
    client.get(ACCUEIL)
    assert connecte(client)


def test_duree_de_session():
    assert settings.SESSION_COOKIE_AGE == 8 * 3600
    assert settings.SESSION_INACTIVITE_AGENTS == 30 * 60


# --- backup codes page -----------------------------------------------------------------------------------

def test_codes_de_secours_regeneres(client, ars):
    agent_verifie(client, ars)
    anciens = creer_codes_secours(ars, 2)
    response = client.get(CODES)
    assert response.status_code == 200 and response.context["codes"] is None
    response = client.post(CODES)
    assert response.status_code == 302
    response = client.get(CODES)
    nouveaux = response.context["codes"]
    assert len(nouveaux) == 10
    tokens = set(StaticToken.objects.filter(device__user=ars).values_list("token", flat=True))
    assert tokens == set(nouveaux) and not tokens & set(anciens)


def test_codes_de_secours_es_sans_2fa(client, es):
    connecter(client, es)
    assert client.get(CODES).url == ENROLEMENT


def test_codes_de_secours_session_non_verifiee(client, ars):
    creer_appareil_totp(ars)
    connecter(client, ars)
    response = client.get(CODES)
    assert response.url == VERIFICATION + "?next=%2Fcomptes%2F2fa%2Fcodes-de-secours%2F"
    assert client.post(CODES).status_code == 302
    assert not StaticToken.objects.filter(device__user=ars).exists()


# --- password reset ---------------------------------------------------------------------------------------

def _lien(body: str) -> str:
    return re.search(r"https?://[^/\s]+(/comptes/mot-de-passe/reinitialiser/\S+/)", body).group(1)


def test_reinitialisation_meme_reponse_que_le_compte_existe_ou_non(client, es,
                                                                   django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        connu = client.post(OUBLIE, {"email": es.email.upper()})
        inconnu = client.post(OUBLIE, {"email": "personne@nulle-part.fr"})
    assert connu.status_code == inconnu.status_code == 302
    assert connu.url == inconnu.url == reverse("comptes:mot_de_passe_oublie_envoye")
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [es.email]
    assert "Réinitialisation de votre mot de passe" in mail.outbox[0].subject
    assert "valable 2 heures" in mail.outbox[0].body
    page = client.get(connu.url)
    assert "Si un compte eCaRE existe pour cette adresse" in page.content.decode()


def test_reinitialisation_adresse_invalide(client):
    response = client.post(OUBLIE, {"email": "pas-une-adresse"})
    assert response.status_code == 200
    assert "Saisissez une adresse e-mail valide" in texte(response)


def test_reinitialisation_complete_lien_a_usage_unique(client, es, django_capture_on_commit_callbacks):
    autre_session = Client()
    connecter(autre_session, es)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(OUBLIE, {"email": es.email})
    lien = _lien(mail.outbox[0].body)
    response = client.get(lien)
    assert response.status_code == 302  # Django moves the token into the session
    formulaire = response.url
    response = client.post(formulaire, {"new_password1": "court", "new_password2": "court"})
    assert response.status_code == 200
    assert "trop court" in texte(response)
    response = client.post(formulaire, {"new_password1": "Un-nouveau-mot-de-passe-2025",
                                        "new_password2": "Un-autre-mot-de-passe-2025"})
    assert "Les deux mots de passe ne sont pas identiques." in texte(response)
    response = client.post(formulaire, {"new_password1": "Un-nouveau-mot-de-passe-2025",
                                        "new_password2": "Un-nouveau-mot-de-passe-2025"})
    assert response.status_code == 302 and response.url == reverse("comptes:mot_de_passe_reinitialise")
    es.refresh_from_db()
    assert es.check_password("Un-nouveau-mot-de-passe-2025")
    # the link is dead once used, and the other session has ended
    response = Client().get(lien, follow=True)
    assert "Ce lien de réinitialisation n'est plus valable" in texte(response)
    assert autre_session.get(CHANGER).url.startswith(CONNEXION)


def test_reinitialisation_lien_expire(client, es):
    class Ancien(PasswordResetTokenGenerator):
        def _now(self):
            return datetime.now() - timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 60)

    uid = urlsafe_base64_encode(force_bytes(es.pk))
    token = Ancien().make_token(es)
    assert not default_token_generator.check_token(es, token)
    response = client.get(reverse("comptes:mot_de_passe_reinitialiser", args=[uid, token]), follow=True)
    assert response.status_code == 200
    assert "Ce lien de réinitialisation n'est plus valable" in texte(response)
    assert "Nouveau mot de passe" not in texte(response)


def test_reinitialisation_leve_le_verrouillage(client, es, settings, django_capture_on_commit_callbacks):
    settings.AXES_FAILURE_LIMIT = 2
    for _ in range(2):
        poster_connexion(client, es.email, "mauvais-mot-de-passe")
    assert poster_connexion(client, es.email).status_code == 429
    with django_capture_on_commit_callbacks(execute=True):
        client.post(OUBLIE, {"email": es.email})
    formulaire = client.get(_lien(mail.outbox[0].body)).url
    client.post(formulaire, {"new_password1": "Un-nouveau-mot-de-passe-2025",
                             "new_password2": "Un-nouveau-mot-de-passe-2025"})
    assert poster_connexion(client, es.email, "Un-nouveau-mot-de-passe-2025").status_code == 302


# --- password change ----------------------------------------------------------------------------------------

def test_changement_mot_de_passe_ferme_les_autres_sessions(client, ars):
    autre = Client()
    agent_verifie(autre, ars)
    agent_verifie(client, ars)
    assert client.get(CHANGER).status_code == 200
    response = client.post(CHANGER, {"old_password": "faux", "new_password1": "Un-nouveau-mot-de-passe-2025",
                                     "new_password2": "Un-nouveau-mot-de-passe-2025"})
    assert response.status_code == 200
    assert "Le mot de passe actuel est incorrect." in texte(response)
    response = client.post(CHANGER, {"old_password": MOT_DE_PASSE, "new_password1": "motdepasse",
                                     "new_password2": "motdepasse"})
    assert "trop court" in texte(response)
    response = client.post(CHANGER, {"old_password": MOT_DE_PASSE,
                                     "new_password1": "Un-nouveau-mot-de-passe-2025",
                                     "new_password2": "Un-nouveau-mot-de-passe-2025"})
    assert response.status_code == 302 and response.url == ACCUEIL
    assert any("autres sessions" in m for m in messages_de(response))
    # this session goes on (still OTP-verified), the other one is logged out
    assert client.get(CHANGER).status_code == 200
    assert otp_verifie(client)
    response = autre.get(CHANGER)
    assert response.status_code == 302 and response.url.startswith(CONNEXION)
    assert get_user_model().objects.get(pk=ars.pk).check_password("Un-nouveau-mot-de-passe-2025")


# --- every auth page × every profile --------------------------------------------------------------------

PAGES_PUBLIQUES = [CONNEXION, OUBLIE, reverse("comptes:mot_de_passe_oublie_envoye"),
                   reverse("comptes:mot_de_passe_reinitialise")]


def _client_pour(profil, request):
    client = Client()
    if profil == "anonyme":
        return client
    if profil == "es":
        connecter(client, request.getfixturevalue("es"))
    elif profil == "ars_non_verifie":
        connecter(client, request.getfixturevalue("ars"))
    elif profil == "ans_non_verifie":
        connecter(client, request.getfixturevalue("ans"))
    elif profil == "ars_verifie":
        agent_verifie(client, request.getfixturevalue("ars"))
    elif profil == "ans_verifie":
        agent_verifie(client, request.getfixturevalue("ans"))
    return client


ATTENDUS = {
    # page: {profile: expected status, or the start of the redirect target}
    CONNEXION: {"anonyme": 200, "es": ACCUEIL, "ars_non_verifie": ENROLEMENT, "ars_verifie": ACCUEIL,
                "ans_verifie": ACCUEIL},
    # an agent without an admin's allowance is refused enrolment (tests/comptes/test_enrolement_agents.py)
    ENROLEMENT: {"anonyme": CONNEXION, "es": 200, "ars_non_verifie": 403, "ars_verifie": ACCUEIL,
                 "ans_verifie": ACCUEIL},
    VERIFICATION: {"anonyme": CONNEXION, "es": ACCUEIL, "ars_non_verifie": ENROLEMENT, "ars_verifie": ACCUEIL,
                   "ans_verifie": ACCUEIL},
    CODES: {"anonyme": CONNEXION, "es": ENROLEMENT, "ars_non_verifie": ENROLEMENT, "ars_verifie": 200,
            "ans_verifie": 200},
    OUBLIE: {"anonyme": 200, "es": 200, "ars_non_verifie": ENROLEMENT, "ars_verifie": 200, "ans_verifie": 200},
    reverse("comptes:mot_de_passe_oublie_envoye"): {"anonyme": 200, "es": 200, "ars_non_verifie": ENROLEMENT,
                                                    "ars_verifie": 200, "ans_verifie": 200},
    reverse("comptes:mot_de_passe_reinitialise"): {"anonyme": 200, "es": 200, "ars_non_verifie": ENROLEMENT,
                                                   "ars_verifie": 200, "ans_verifie": 200},
    CHANGER: {"anonyme": CONNEXION, "es": 200, "ars_non_verifie": ENROLEMENT, "ars_verifie": 200,
              "ans_verifie": 200},
}


@pytest.mark.parametrize("profil", ["anonyme", "es", "ars_non_verifie", "ans_non_verifie", "ars_verifie",
                                    "ans_verifie"])
@pytest.mark.parametrize("url", list(ATTENDUS))
def test_chaque_page_pour_chaque_profil(url, profil, request):
    client = _client_pour(profil, request)
    response = client.get(url)
    attendu = ATTENDUS[url][profil.replace("ans_non", "ars_non")]
    if isinstance(attendu, int):
        assert response.status_code == attendu
        assert texte(response).count("<h1") == 1
    else:
        assert response.status_code == 302
        assert response.url.startswith(attendu)


def test_lien_de_reinitialisation_pour_chaque_profil(request):
    for profil in ["anonyme", "es", "ars_verifie", "ans_verifie"]:
        client = _client_pour(profil, request)
        user = UserFactory(email_verifie_le=timezone.now())
        uid = urlsafe_base64_encode(force_bytes(user.pk))
        response = client.get(reverse("comptes:mot_de_passe_reinitialiser",
                                      args=[uid, default_token_generator.make_token(user)]), follow=True)
        assert response.status_code == 200
        assert "Choisissez un nouveau mot de passe" in texte(response)
