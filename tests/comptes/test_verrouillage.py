"""Login lockout (care_portal/comptes/verrouillage.py): per account whatever the address, per
address whatever the account, one e-mail to the owner of a locked account."""

from __future__ import annotations

from html import unescape

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from care_portal.comptes.roles import Role
from tests.conftest import vider_cache

from .helpers import MOT_DE_PASSE, creer_utilisateur_avec_role

pytestmark = pytest.mark.django_db

CONNEXION = reverse("comptes:connexion")
SUJET = "[eCaRE] Votre compte est temporairement bloqué"


def essai(email: str, ip: str, password: str = "pas-le-bon-mot-de-passe"):
    return Client().post(CONNEXION, {"username": email, "password": password}, REMOTE_ADDR=ip)


def connecte(reponse) -> bool:
    return reponse.status_code == 302 and "_auth_user_id" in reponse.wsgi_request.session


@pytest.fixture
def agent():
    return creer_utilisateur_avec_role(Role.REFERENT_ARS, email="agent@ars-exemple.fr", prenom="Camille")


def test_un_compte_essaye_depuis_plusieurs_adresses_est_verrouille(agent, settings,
                                                                   django_capture_on_commit_callbacks):
    settings.AXES_FAILURE_LIMIT = 5
    with django_capture_on_commit_callbacks(execute=True):
        for i in range(4):
            assert essai(agent.email, f"10.20.0.{i}").status_code == 200
        cinquieme = essai(agent.email, "10.20.0.4")
    assert cinquieme.status_code == 429
    # the right password, from yet another address, is refused: the account itself is locked
    with django_capture_on_commit_callbacks(execute=True):
        reponse = essai(agent.email, "10.20.0.99", MOT_DE_PASSE)
        essai(agent.email.upper(), "10.20.0.98", MOT_DE_PASSE)
    assert reponse.status_code == 429 and not connecte(reponse)
    assert "Connexion temporairement bloquée" in unescape(reponse.content.decode())
    # the owner is told once, whatever the number of attempts during the lockout
    messages = [m for m in mail.outbox if m.subject == SUJET]
    assert len(messages) == 1
    assert messages[0].to == [agent.email]
    assert "bloquée pendant 15 minutes" in messages[0].body
    assert reverse("comptes:mot_de_passe_oublie") in messages[0].body
    # another account is not affected
    autre = creer_utilisateur_avec_role(Role.DSI, email="dsi@chu-exemple.fr")
    assert connecte(essai(autre.email, "10.20.0.99", MOT_DE_PASSE))


def test_en_dessous_de_la_limite_le_bon_mot_de_passe_connecte(agent, settings):
    settings.AXES_FAILURE_LIMIT = 5
    for i in range(4):
        essai(agent.email, f"10.21.0.{i}")
    assert connecte(essai(agent.email, "10.21.0.9", MOT_DE_PASSE))
    assert mail.outbox == []


def test_une_adresse_qui_essaie_de_nombreux_comptes_est_verrouillee(agent, settings,
                                                                    django_capture_on_commit_callbacks):
    settings.AXES_FAILURE_LIMIT = 5
    settings.CARE_ECHECS_MAX_PAR_ADRESSE = 20
    valide = creer_utilisateur_avec_role(Role.DSI, email="dsi@chu-exemple.fr")
    with django_capture_on_commit_callbacks(execute=True):
        for i in range(19):  # one guess on each of 19 accounts (some exist, most do not)
            email = agent.email if i == 0 else f"personne{i}@chu-exemple.fr"
            assert essai(email, "10.30.0.1").status_code == 200
        vingtieme = essai("personne20@chu-exemple.fr", "10.30.0.1")
        assert vingtieme.status_code == 429
        # from that address, even a valid account with its right password is refused…
        reponse = essai(valide.email, "10.30.0.1", MOT_DE_PASSE)
    assert reponse.status_code == 429 and not connecte(reponse)
    # …but the accounts themselves are not locked: from elsewhere they log in, and nobody was
    # told of a lockout (the address's lockout names no account)
    assert connecte(essai(valide.email, "10.30.0.2", MOT_DE_PASSE))
    assert connecte(essai(agent.email, "10.30.0.2", MOT_DE_PASSE))
    assert [m for m in mail.outbox if m.subject == SUJET] == []


def test_un_succes_n_efface_pas_les_echecs_des_autres_comptes(agent, settings):
    """An attacker's own valid account logging in from their address does not wipe the count."""
    settings.AXES_FAILURE_LIMIT = 5
    settings.CARE_ECHECS_MAX_PAR_ADRESSE = 10
    complice = creer_utilisateur_avec_role(Role.DSI, email="complice@chu-exemple.fr")
    for i in range(9):
        essai(f"cible{i}@chu-exemple.fr", "10.40.0.1")
    assert connecte(essai(complice.email, "10.40.0.1", MOT_DE_PASSE))
    assert essai("cible9@chu-exemple.fr", "10.40.0.1").status_code == 429


def test_nouvelle_notification_apres_un_nouveau_verrouillage(agent, settings, django_capture_on_commit_callbacks):
    from axes.models import AccessAttempt

    settings.AXES_FAILURE_LIMIT = 2
    with django_capture_on_commit_callbacks(execute=True):
        for i in range(3):
            essai(agent.email, f"10.50.0.{i}")
    assert len([m for m in mail.outbox if m.subject == SUJET]) == 1
    # the cool-off passes (attempts expired, the notice forgotten with it): a new lockout, a new notice
    AccessAttempt.objects.all().delete()
    vider_cache()
    with django_capture_on_commit_callbacks(execute=True):
        for i in range(2):
            essai(agent.email, f"10.50.1.{i}")
    assert len([m for m in mail.outbox if m.subject == SUJET]) == 2
