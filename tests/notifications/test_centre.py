"""The notification centre (views.py, the header of base.html) and the daily digest."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from care_portal.comptes.roles import Role
from care_portal.notifications import rappels, services
from care_portal.notifications.models import Notification, Resume
from tests.comptes.helpers import agent_verifie, connecter, creer_utilisateur_avec_role
from tests.factories import CandidatureFactory

from .outils import a_paris, executer, le

pytestmark = pytest.mark.django_db


def notifier(user, sujet: str, candidature=None) -> Notification:
    executer(services.envoyer_email, [user.email], sujet, "candidature_complete", {"candidature": candidature},
             candidature=candidature)
    return Notification.objects.filter(destinataire=user).latest("pk")


def entete(html: str) -> str:
    return html.split('<header role="banner"', 1)[1].split("</header>", 1)[0]


@pytest.fixture
def es():
    return creer_utilisateur_avec_role(Role.DSI, email="dsi@ch-exemple.fr")


def test_entete_compte_et_liste_les_non_lues(client, es):
    c = CandidatureFactory()
    notifier(es, "Votre candidature est complète", c)
    notifier(es, "Nouveau message", c)
    connecter(client, es)
    html = entete(client.get(reverse("comptes:espace_es")).content.decode())
    assert re.search(r'id="nombre-non-lues">2</span><span class="fr-sr-only"> non lues</span>', html)
    assert 'aria-controls="centre-notifications" aria-expanded="false"' in html
    assert "Votre candidature est complète" in html and "Nouveau message" in html
    assert reverse("notifications:tout_marquer_lu") in html and reverse("notifications:centre") in html


def test_entete_sans_notification(client, es):
    connecter(client, es)
    html = entete(client.get(reverse("comptes:espace_es")).content.decode())
    assert "Aucune notification non lue." in html and "nombre-non-lues" not in html


def test_entete_ne_montre_pas_celles_d_un_autre(client, es):
    autre = creer_utilisateur_avec_role(Role.DSI, email="autre@ch-exemple.fr")
    notifier(autre, "Secret d'un autre établissement")
    connecter(client, es)
    html = client.get(reverse("comptes:espace_es")).content.decode()
    assert "Secret d'un autre" not in html


def test_agent_non_verifie_sans_centre(client):
    agent = creer_utilisateur_avec_role(Role.REFERENT_ARS)
    connecter(client, agent)  # second factor not entered yet
    html = client.get(reverse("comptes:totp_enrolement")).content.decode()
    assert "centre-notifications" not in html


def test_ouvrir_marque_lue_et_mene_au_dossier(client, es):
    c = CandidatureFactory()
    n = notifier(es, "Votre candidature est complète", c)
    connecter(client, es)
    reponse = client.post(reverse("notifications:ouvrir", args=[n.pk]))
    assert reponse.status_code == 302 and reponse["Location"] == f"/candidatures/{c.pk}/"
    n.refresh_from_db()
    assert n.lue_le is not None
    assert client.get(reverse("notifications:ouvrir", args=[n.pk])).status_code == 405  # POST only


def test_notification_d_un_autre_404(client, es):
    autre = creer_utilisateur_avec_role(Role.DSI, email="autre@ch-exemple.fr")
    n = notifier(autre, "À un autre")
    connecter(client, es)
    assert client.post(reverse("notifications:ouvrir", args=[n.pk])).status_code == 404
    assert client.post(reverse("notifications:marquer_lue", args=[n.pk])).status_code == 404
    n.refresh_from_db()
    assert n.lue_le is None


def test_page_du_centre_et_marquer(client, es):
    n1 = notifier(es, "Premier avis")
    n2 = notifier(es, "Second avis")
    connecter(client, es)
    reponse = client.get(reverse("notifications:centre"))
    html = reponse.content.decode()
    assert reponse.status_code == 200
    assert "Premier avis" in html and "Second avis" in html and "Non lue" in html and "Envoyé" in html
    assert "Tout marquer comme lu (2)" in html
    reponse = client.post(reverse("notifications:marquer_lue", args=[n1.pk]),
                          {"suivant": "https://ailleurs.example/piege"})
    assert reponse["Location"] == reverse("notifications:centre")  # no open redirect
    n1.refresh_from_db()
    n2.refresh_from_db()
    assert n1.lue_le is not None and n2.lue_le is None
    reponse = client.post(reverse("notifications:tout_marquer_lu"), {"suivant": reverse("comptes:espace_es")},
                          follow=True)
    assert reponse.redirect_chain[-1][0] == reverse("comptes:espace_es")
    assert "1 notification marquée comme lue." in reponse.content.decode()
    assert not Notification.objects.filter(destinataire=es, lue_le__isnull=True).exists()


def test_anonyme_renvoye_a_la_connexion(client):
    assert client.get(reverse("notifications:centre"))["Location"].startswith(reverse("comptes:connexion"))


def test_agent_verifie_voit_son_centre(client):
    agent = creer_utilisateur_avec_role(Role.REFERENT_ARS, email="ars@exemple.fr")
    notifier(agent, "Candidature déposée")
    agent_verifie(client, agent)
    html = client.get(reverse("comptes:file_ars")).content.decode()
    assert 'id="nombre-non-lues">1<' in html


# --- the daily digest ---------------------------------------------------------------------------------

def test_resume_quotidien_une_fois_par_jour_apres_l_heure(client, es, settings):
    settings.CARE_RESUME_HEURE = 7
    connecter(client, es)
    client.post(reverse("notifications:preferences"), {"resume_quotidien": "1"})
    aujourd_hui = timezone.localdate()
    demain = aujourd_hui + datetime.timedelta(days=1)
    with le(a_paris(aujourd_hui, 20)):
        notifier(es, "Complément demandé")
    lue = notifier(es, "Déjà lue")
    services.notification_marquer_lue(notification=lue, utilisateur=es)
    mail.outbox.clear()
    with le(a_paris(demain, 6)):
        assert executer(rappels.envoyer_resumes) == 0  # before the hour
    with le(a_paris(demain, 7, 5)):
        assert executer(rappels.envoyer_resumes) == 1
    [message] = mail.outbox
    assert message.to == [es.email] and "1 notification non lue" in message.subject
    assert "Complément demandé" in message.body and "Déjà lue" not in message.body
    with le(a_paris(demain, 8)):
        assert executer(rappels.envoyer_resumes) == 0  # once a day
    assert Resume.objects.get(utilisateur=es).nombre == 1
    assert Notification.objects.filter(destinataire=es, gabarit="resume_quotidien").count() == 0
    # switched off: nothing the day after
    client.post(reverse("notifications:preferences"), {"resume_quotidien": "0"})
    with le(a_paris(demain + datetime.timedelta(days=1), 9)):
        assert executer(rappels.envoyer_resumes) == 0


def test_sans_preference_pas_de_resume(es):
    notifier(es, "Un avis")
    with le(a_paris(timezone.localdate() + datetime.timedelta(days=1), 9)):
        assert executer(rappels.envoyer_resumes) == 0
