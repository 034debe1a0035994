"""The notification service: every e-mail recorded (who, what, when, the dossier, its delivery status)
with the in-app notice of each portal user among its recipients; the templates in text and HTML;
delivery failures retried with a backoff and recorded; refused addresses; users without an address."""

from __future__ import annotations

import socket
import socketserver
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.template.loader import render_to_string

from care_portal.comptes.roles import Role
from care_portal.notifications import services
from care_portal.notifications.models import Envoi, Notification
from care_portal.notifications.tasks import delai_nouvel_essai, envoyer_email_task
from tests.comptes.helpers import creer_utilisateur_avec_role
from tests.factories import CandidatureFactory, UserFactory

from .outils import executer

pytestmark = pytest.mark.django_db

GABARITS = sorted(p.stem for p in (Path(django_settings.BASE_DIR) / "templates/notifications/emails").glob("*.txt"))


def test_envoi_enregistre_et_notifie_les_comptes_du_portail():
    alice = UserFactory(email="alice@ch-exemple.fr")
    bob = UserFactory(email="Bob@CH-exemple.fr")
    c = CandidatureFactory()
    envoi = executer(services.envoyer_email, ["alice@ch-exemple.fr", "", "externe@ailleurs.fr"], "Votre candidature",
                     "candidature_complete", {"candidature": c, "lien": "http://ignore.example/x"},
                     copies=["bob@ch-exemple.fr", "alice@ch-exemple.fr", ""])
    envoi.refresh_from_db()
    assert envoi.destinataires == ["alice@ch-exemple.fr", "externe@ailleurs.fr"]
    assert envoi.copies == ["bob@ch-exemple.fr"]
    assert envoi.candidature == c and envoi.lien == f"/candidatures/{c.pk}/"
    assert envoi.statut == Envoi.Statut.ENVOYE and envoi.tentatives == 1 and envoi.envoye_le is not None
    # one in-app notice per portal account (address case ignored), none for the outside address
    notes = {n.destinataire_id: n for n in Notification.objects.all()}
    assert set(notes) == {alice.pk, bob.pk}
    assert notes[alice.pk].envoi == envoi and notes[alice.pk].sujet == "Votre candidature"
    assert notes[alice.pk].statut_envoi == "Envoyé"
    [message] = mail.outbox
    assert message.subject == "[eCaRE] Votre candidature"
    assert message.cc == ["bob@ch-exemple.fr"]


def test_sans_adresse_rien_n_est_envoye():
    assert executer(services.envoyer_email, ["", None], "Sujet", "candidature_complete", {}) is None
    assert Envoi.objects.count() == 0 and mail.outbox == []


def test_utilisateur_sans_adresse_recoit_la_notification_dans_le_portail():
    sans = UserFactory(email="")
    avec = UserFactory(email="avec@exemple.fr")
    c = CandidatureFactory()
    envoi = executer(services.notifier_utilisateurs, [sans, avec], "Candidature complète", "candidature_complete",
                     {"candidature": c}, candidature=c)
    assert envoi.destinataires == ["avec@exemple.fr"]
    n = Notification.objects.get(destinataire=sans)
    assert n.envoi is None and n.statut_envoi == "Sans e-mail (aucune adresse)"
    assert n.lien == f"/candidatures/{c.pk}/"
    assert Notification.objects.get(destinataire=avec).envoi == envoi


def test_courriel_a_secret_enregistre_sans_notification_ni_lien():
    u = UserFactory(email="secret@exemple.fr")
    envoi = executer(services.envoyer_email, [u.email], "Réinitialisation", "mot_de_passe_reinitialisation",
                     {"uid": "MQ", "token": "jeton-secret", "heures": 2, "email": u.email,
                      "lien": "http://127.0.0.1:8000/comptes/mot-de-passe/reinitialiser/MQ/jeton-secret/"})
    envoi.refresh_from_db()
    assert envoi.lien == "" and envoi.statut == Envoi.Statut.ENVOYE
    assert not Notification.objects.exists()
    assert "jeton-secret" in mail.outbox[0].body  # the e-mail itself still carries it


def test_refus_de_l_action_annule_l_enregistrement():
    """Recorded in the caller's transaction: an action rolled back leaves no trace of its notice."""
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        services.envoyer_email(["x@exemple.fr"], "Sujet", "candidature_complete", {})
        raise RuntimeError("refus")
    assert Envoi.objects.count() == 0


# --- templates in both formats ---------------------------------------------------------------------

@pytest.mark.parametrize("gabarit", GABARITS)
def test_chaque_gabarit_se_rend_en_texte_et_en_html(gabarit):
    c = CandidatureFactory()
    auteur = UserFactory(prenom="Agnès", nom="Auteur")
    particuliers = {
        "message_nouveau": {"message": SimpleNamespace(auteur=auteur, auteur_libelle="ARS Nouvelle-Aquitaine")},
        "rattachement_a_confirmer": {"rattachement": SimpleNamespace(
            utilisateur=auteur, portee_libelle="CH d'exemple", get_role_display="DSI", etablissement_declare=None)},
    }
    ctx = {"candidature": c, "lien": "http://127.0.0.1:8000/candidatures/1/", "sujet": "Sujet <important>",
           "site_url": "http://127.0.0.1:8000", "lien_notification": "http://127.0.0.1:8000/candidatures/1/",
           "message": "Ligne 1\nLigne 2 <b>gras</b>", "uid": "MQ", "token": "jeton", "heures": 2, **particuliers.get(gabarit, {})}
    texte, html = services.rendre(gabarit, ctx)
    assert texte.strip() and "{%" not in texte and "{{" not in texte
    assert "L'équipe eCaRE" in texte or "eCaRE" in texte
    assert html.lstrip().startswith("<!DOCTYPE html>") and '<html lang="fr">' in html
    assert "Sujet &lt;important&gt;" in html  # escaped
    assert "<b>gras</b>" not in html
    assert 'href="http://127.0.0.1:8000/candidatures/1/"' in html


def test_html_rend_les_liens_cliquables_et_les_paragraphes():
    html = render_to_string(services.GABARIT_HTML_COMMUN, {
        "sujet": "S", "texte": "Bonjour,\n\nOuvrez https://ecare.exemple.fr/x\net <script>", "lien_notification": ""})
    assert '<a href="https://ecare.exemple.fr/x"' in html
    assert "<p>Bonjour,</p>" in html and "&lt;script&gt;" in html


# --- delivery failures -------------------------------------------------------------------------------

def port_ferme() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_echec_de_remise_reessaye_avec_backoff_puis_enregistre(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port_ferme(), 2
    settings.CARE_NOTIFICATIONS_ESSAIS_MAX = 3
    u = creer_utilisateur_avec_role(Role.REFERENT_ES, email="es@exemple.fr")
    envoi = executer(services.envoyer_email, [u.email], "Votre candidature", "candidature_complete", {})
    envoi.refresh_from_db()
    # tasks run eagerly here: the retries run at once (a worker waits the backoff), then it gives up
    assert envoi.statut == Envoi.Statut.ECHEC
    assert envoi.tentatives == 4  # the first attempt and 3 retries
    assert "ConnectionRefusedError" in envoi.derniere_erreur
    assert Notification.objects.get(destinataire=u).statut_envoi == "Échec définitif"


def test_delai_de_nouvel_essai_exponentiel_et_plafonne(settings):
    settings.CARE_NOTIFICATIONS_BACKOFF_SECONDES = 30
    settings.CARE_NOTIFICATIONS_BACKOFF_MAX_SECONDES = 3600
    assert [delai_nouvel_essai(i) for i in range(9)] == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]


def test_tache_deja_envoyee_ne_renvoie_pas():
    """acks_late: a task delivered twice after the e-mail went out must not send it again."""
    envoi = Envoi.objects.create(gabarit="g", sujet="s", destinataires=["a@exemple.fr"], statut=Envoi.Statut.ENVOYE)
    assert envoyer_email_task.apply(args=[["a@exemple.fr"], [], "s", "t"], kwargs={"envoi_id": envoi.pk}).get() == 0
    assert mail.outbox == []


class _SmtpQuiRefuse(socketserver.StreamRequestHandler):
    """A minimal mail server (the third party) that refuses one recipient at RCPT TO."""

    refuse = "inconnu@exemple.fr"

    def _dire(self, ligne: str) -> None:
        self.wfile.write((ligne + "\r\n").encode())

    def handle(self):
        self._dire("220 faux-smtp")
        while True:
            ligne = self.rfile.readline().decode().strip()
            if not ligne:
                return
            verbe = ligne.split(" ", 1)[0].upper()
            if verbe in ("EHLO", "HELO"):
                self._dire("250 faux-smtp")
            elif verbe == "RCPT" and self.refuse in ligne.lower():
                self._dire("550 5.1.1 utilisateur inconnu")
            elif verbe == "DATA":
                self._dire("354 suite")
                while self.rfile.readline().rstrip(b"\r\n") != b".":
                    pass
                self._dire("250 ok")
            elif verbe == "QUIT":
                self._dire("221 au revoir")
                return
            else:
                self._dire("250 ok")


@pytest.fixture
def smtp_qui_refuse(settings):
    serveur = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SmtpQuiRefuse)
    threading.Thread(target=serveur.serve_forever, daemon=True).start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", serveur.server_address[1], 5
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    yield serveur
    serveur.shutdown()
    serveur.server_close()


def test_adresse_refusee_enregistree_sans_nouvel_essai(smtp_qui_refuse):
    envoi = executer(services.envoyer_email, ["inconnu@exemple.fr"], "Sujet", "candidature_complete", {})
    envoi.refresh_from_db()
    assert envoi.statut == Envoi.Statut.REFUSE and envoi.tentatives == 1
    assert "inconnu@exemple.fr" in envoi.derniere_erreur


def test_serveur_reel_accepte(smtp_qui_refuse):
    envoi = executer(services.envoyer_email, ["connu@exemple.fr"], "Sujet", "candidature_complete", {})
    envoi.refresh_from_db()
    assert envoi.statut == Envoi.Statut.ENVOYE
