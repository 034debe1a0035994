"""Agents' TOTP enrolment needs an ANS admin's allowance and its e-mailed link (care_portal/comptes/
totp.py): no trust on first use. ES users still enrol freely (tests/comptes/test_auth.py)."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from care_portal.comptes import totp
from care_portal.comptes.roles import Role
from care_portal.workflow.models import TransitionLog
from care_portal.workflow.services import WorkflowError

from .helpers import (
    MOT_DE_PASSE,
    agent_verifie,
    code_totp,
    connecter,
    creer_appareil_totp,
    creer_codes_secours,
    creer_utilisateur_avec_role,
)

pytestmark = pytest.mark.django_db

ENROLEMENT = reverse("comptes:totp_enrolement")
CONNEXION = reverse("comptes:connexion")
SUJET = "[eCaRE] Activez la double authentification de votre compte"
ROLES_AGENTS = [Role.REFERENT_ARS, Role.CONTROLEUR_ANS, Role.SECRETARIAT_ANS, Role.DG_ANS, Role.ADMIN_ANS]


def texte(reponse) -> str:
    return unescape(reponse.content.decode())


@pytest.fixture
def admin():
    return creer_utilisateur_avec_role(Role.ADMIN_ANS, email="admin@ans-exemple.fr")


@pytest.fixture
def agent():
    return creer_utilisateur_avec_role(Role.REFERENT_ARS, email="agent@ars-exemple.fr", prenom="Noé")


def autoriser(admin, agent, django_capture_on_commit_callbacks) -> str:
    """The admin's allowance through the admin page; returns the e-mailed link's path."""
    client = Client()
    agent_verifie(client, admin)
    with django_capture_on_commit_callbacks(execute=True):
        reponse = client.post(reverse("comptes:totp_enrolement_autoriser", args=[agent.pk]))
    assert reponse.status_code == 302 and reponse.url == reverse("comptes:espace_admin")
    [message] = [m for m in mail.outbox if m.subject == SUJET and m.to == [agent.email]][-1:]
    lien = re.search(r"https?://\S+/comptes/2fa/activation/\S+/", message.body).group(0)
    return lien.split("://", 1)[1].split("/", 1)[1].join(["/", ""])


# --- refused without an allowance -------------------------------------------------------------------

@pytest.mark.parametrize("role", ROLES_AGENTS)
def test_un_agent_sans_autorisation_ne_peut_pas_s_enroler(client, role):
    agent = creer_utilisateur_avec_role(role)
    connecter(client, agent)  # the password was right: only the second factor is missing
    reponse = client.get(ENROLEMENT)
    assert reponse.status_code == 403
    html = texte(reponse)
    assert "seulement depuis le lien d'activation" in html and html.count("<h1") == 1
    assert 'src="data:image/svg+xml' not in html and "secret-totp" not in html
    assert client.post(ENROLEMENT, {"code": "123456"}).status_code == 403
    assert not TOTPDevice.objects.filter(user=agent).exists()
    # every other page leads back there
    assert client.get(reverse("comptes:accueil_role")).url.startswith(ENROLEMENT)


def test_un_lien_d_un_autre_agent_n_ouvre_rien(client, agent, admin, django_capture_on_commit_callbacks):
    lien = autoriser(admin, agent, django_capture_on_commit_callbacks)
    intrus = creer_utilisateur_avec_role(Role.CONTROLEUR_ANS, email="intrus@ans-exemple.fr")
    connecter(client, intrus)
    reponse = client.get(lien)
    assert reponse.status_code == 403 and "un autre compte" in texte(reponse)
    # the other agent's token put in this session by hand opens nothing either
    session = client.session
    session[totp.CLE_ENROLEMENT] = lien.rstrip("/").rsplit("/", 1)[1]
    session.save()
    assert client.get(ENROLEMENT).status_code == 403
    assert not TOTPDevice.objects.filter(user=intrus).exists()


# --- the allowed path ---------------------------------------------------------------------------------

def test_parcours_autorise_par_l_admin(client, agent, admin, django_capture_on_commit_callbacks):
    lien = autoriser(admin, agent, django_capture_on_commit_callbacks)
    agent.refresh_from_db()
    assert agent.enrolement_totp_autorise_le is not None
    assert TransitionLog.objects.filter(code="comptes.totp.enrolement_autorise", object_id=str(agent.pk),
                                        acteur=admin).exists()
    # the link, then the password, then the QR code
    reponse = client.get(lien)
    assert reponse.status_code == 302 and reponse.url.startswith(CONNEXION + "?next=")
    reponse = client.post(reponse.url, {"username": agent.email, "password": MOT_DE_PASSE}, REMOTE_ADDR="10.60.0.1")
    assert reponse.status_code == 302 and reponse.url.startswith(ENROLEMENT)
    page = client.get(ENROLEMENT)
    assert page.status_code == 200 and "vous devez protéger votre compte" in texte(page)
    device = TOTPDevice.objects.get(user=agent, confirmed=False)
    reponse = client.post(ENROLEMENT, {"code": code_totp(device)})
    assert reponse.status_code == 302 and reponse.url.startswith(reverse("comptes:codes_secours"))
    assert TOTPDevice.objects.get(user=agent).confirmed
    # the link is used up: a second device or a reset needs the admin again
    agent.refresh_from_db()
    assert agent.enrolement_totp_autorise_le is None
    assert Client().get(lien).status_code == 400


def test_la_session_sans_mot_de_passe_n_ouvre_rien(client, agent, admin, django_capture_on_commit_callbacks):
    lien = autoriser(admin, agent, django_capture_on_commit_callbacks)
    client.get(lien)
    reponse = client.get(ENROLEMENT)
    assert reponse.status_code == 302 and reponse.url.startswith(CONNEXION)
    assert not TOTPDevice.objects.filter(user=agent).exists()


def test_lien_expire_ou_remplace(client, agent, admin, settings, django_capture_on_commit_callbacks):
    agent.enrolement_totp_autorise_le = timezone.now().replace(microsecond=0) - timedelta(minutes=5)
    agent.save(update_fields=["enrolement_totp_autorise_le"])
    ancien = reverse("comptes:totp_activation", args=[totp.jeton_enrolement(agent)])  # an earlier link
    assert Client().get(ancien).status_code == 302
    nouveau = autoriser(admin, agent, django_capture_on_commit_callbacks)
    assert ancien != nouveau
    reponse = Client().get(ancien)
    assert reponse.status_code == 400 and "n'est pas valide" in texte(reponse)
    assert Client().get(nouveau).status_code == 302
    settings.CARE_ENROLEMENT_TOTP_HEURES = 0
    assert Client().get(nouveau).status_code == 400


def test_la_reinitialisation_retire_les_appareils(agent, admin, django_capture_on_commit_callbacks):
    creer_appareil_totp(agent)
    creer_codes_secours(agent)
    autoriser(admin, agent, django_capture_on_commit_callbacks)
    assert not TOTPDevice.objects.filter(user=agent).exists()
    assert not StaticDevice.objects.filter(user=agent).exists()


# --- who may allow ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("role", [Role.REFERENT_ARS, Role.CONTROLEUR_ANS, Role.DG_ANS, Role.REFERENT_ES])
def test_seul_un_admin_ans_autorise(client, agent, role, django_capture_on_commit_callbacks):
    acteur = creer_utilisateur_avec_role(role)
    with pytest.raises(WorkflowError):
        totp.enrolement_autoriser(utilisateur=agent, acteur=acteur)
    agent_verifie(client, acteur)
    with django_capture_on_commit_callbacks(execute=True):
        reponse = client.post(reverse("comptes:totp_enrolement_autoriser", args=[agent.pk]))
    assert reponse.status_code == 403
    agent.refresh_from_db()
    assert agent.enrolement_totp_autorise_le is None and mail.outbox == []


def test_un_admin_ne_s_autorise_pas_lui_meme(client, admin, django_capture_on_commit_callbacks):
    agent_verifie(client, admin)
    with django_capture_on_commit_callbacks(execute=True):
        reponse = client.post(reverse("comptes:totp_enrolement_autoriser", args=[admin.pk]), follow=True)
    assert "Un autre administrateur" in texte(reponse)
    assert TOTPDevice.objects.filter(user=admin, confirmed=True).exists() and mail.outbox == []


def test_la_page_d_administration_liste_les_agents_a_activer(client, agent, admin):
    agent_verifie(client, admin)
    html = texte(client.get(reverse("comptes:espace_admin")))
    assert "Agents sans double authentification" in html
    assert reverse("comptes:totp_enrolement_autoriser", args=[agent.pk]) in html


def test_lien_valable_tant_que_l_heure_concorde(agent):
    agent.enrolement_totp_autorise_le = timezone.now().replace(microsecond=0)
    agent.save()
    jeton = totp.jeton_enrolement(agent)
    assert totp.utilisateur_du_jeton(jeton) == agent
    assert totp.utilisateur_du_jeton("falsifie") is None
    agent.is_active = False
    agent.save()
    assert totp.utilisateur_du_jeton(jeton) is None


def test_commande_pour_le_premier_admin(admin, django_capture_on_commit_callbacks):
    from io import StringIO

    from django.core.management import call_command

    sortie = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("autoriser_enrolement_totp", admin.email.upper(), stdout=sortie)
    assert "/comptes/2fa/activation/" in sortie.getvalue()
    assert [m.to for m in mail.outbox if m.subject == SUJET] == [[admin.email]]
    assert TransitionLog.objects.filter(code="comptes.totp.enrolement_autorise", object_id=str(admin.pk),
                                        acteur=None).exists()
