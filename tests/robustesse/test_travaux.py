"""The transactional outbox (care_portal/core/travaux.py): work recorded with the state change, published
after commit, marked done by the task, published again when lost, given up after its tries; the
convention's « en attente de traitement » and its relaunch; e-mails marked before the SMTP call with a
stable Message-ID; orphan files; the French 503 page during a database outage."""

from __future__ import annotations

import ast
from datetime import timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from care_portal.core.models import Travail
from care_portal.core.tasks import sante_task
from care_portal.core.travaux import confier, en_attente, relancer, relancer_travaux
from care_portal.notifications.models import Envoi
from care_portal.notifications.services import envoyer_email
from care_portal.notifications.tasks import message_id

from .conftest import reconfigurer  # noqa: E402

RACINE = Path(__file__).resolve().parents[2]


# --- the rule: no task published outside the outbox --------------------------------------------------

def test_aucune_tache_publiee_hors_de_la_file_sortante():
    """``.delay``, ``.apply_async`` or ``send_task`` anywhere in the portal's code but travaux.py would be
    work the broker can lose: the sources are read and every such call is listed."""
    fautifs = []
    for fichier in RACINE.rglob("*.py"):
        relatif = fichier.relative_to(RACINE)
        if relatif.parts[0] in {".venv", "tests", "bench", "var", "node_modules"} or "migrations" in relatif.parts:
            continue
        if relatif.as_posix() == "care_portal/core/travaux.py":
            continue
        for noeud in ast.walk(ast.parse(fichier.read_text(), filename=str(fichier))):
            if (isinstance(noeud, ast.Call) and isinstance(noeud.func, ast.Attribute)
                    and noeud.func.attr in {"delay", "apply_async", "send_task"}):
                fautifs.append(f"{relatif}:{noeud.lineno}")
    assert fautifs == [], "tâches publiées hors de care_portal.core.travaux.confier : " + ", ".join(fautifs)


# --- recorded with the transaction -----------------------------------------------------------------

@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_une_action_annulee_ne_laisse_aucun_travail():
    with pytest.raises(RuntimeError), transaction.atomic():
        confier(sante_task, "annule")
        raise RuntimeError("refusé")
    assert not Travail.objects.exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_une_action_validee_publie_son_travail_qui_est_marque_fait():
    with transaction.atomic():
        travail = confier(sante_task, "valide", objet="core.essai:1")
        assert Travail.objects.get(pk=travail.pk).etat == Travail.Etat.A_ENVOYER  # nothing before the commit
    travail.refresh_from_db()
    assert (travail.etat, travail.envois, travail.objet) == (Travail.Etat.FAIT, 1, "core.essai:1")
    assert travail.fait_le is not None and travail.arguments == ["valide"]


@pytest.mark.django_db
def test_le_broker_indisponible_laisse_le_travail_en_attente_puis_le_rattrapage_le_publie(settings):
    """Published to a broker nobody listens on (a closed port): the row waits, with the reason; once the
    broker is back (here: the embedded mode again), the catch-up job publishes and the task runs."""
    from care_portal.celery import app

    settings.CARE_TRAVAUX_DELAI_BROKER_SECONDES = 0
    avant = (app.conf.broker_url, app.conf.task_always_eager)
    app.conf.broker_url, app.conf.task_always_eager = "redis://127.0.0.1:9/0", False
    reconfigurer(app)
    try:
        travail = confier(sante_task, "en panne", immediat=True)
        travail.refresh_from_db()
        assert travail.etat == Travail.Etat.A_ENVOYER and "Broker indisponible" in travail.derniere_erreur
    finally:
        app.conf.broker_url, app.conf.task_always_eager = avant
        reconfigurer(app)
    assert relancer_travaux()["publies"] == 1
    travail.refresh_from_db()
    assert travail.etat == Travail.Etat.FAIT and travail.envois == 2


@pytest.mark.django_db
def test_le_rattrapage_republie_un_travail_perdu_puis_abandonne_apres_ses_essais(settings):
    settings.CARE_TRAVAUX_ESSAIS_MAX = 3
    # published, then lost (a killed worker): still « confié », its time has come
    perdu = Travail.objects.create(tache="core.sante", arguments=["perdu"], etat=Travail.Etat.CONFIE, envois=1,
                                   prochain_essai_le=timezone.now() - timedelta(seconds=1))
    pas_encore = Travail.objects.create(tache="core.sante", arguments=["patience"], etat=Travail.Etat.CONFIE,
                                        envois=1, prochain_essai_le=timezone.now() + timedelta(seconds=30))
    assert relancer_travaux() == {"publies": 1, "abandonnes": 0, "purges": 0}
    perdu.refresh_from_db()
    pas_encore.refresh_from_db()
    assert (perdu.etat, perdu.envois) == (Travail.Etat.FAIT, 2)
    assert (pas_encore.etat, pas_encore.envois) == (Travail.Etat.CONFIE, 1)
    # given up after its publications: shown as waiting, relaunchable
    Travail.objects.filter(pk=pas_encore.pk).update(prochain_essai_le=timezone.now(), envois=3)
    assert relancer_travaux()["abandonnes"] == 1
    pas_encore.refresh_from_db()
    assert pas_encore.etat == Travail.Etat.ABANDONNE and pas_encore.en_souffrance


def test_le_delai_double_a_chaque_publication_jusqu_au_plafond(settings):
    from care_portal.core.travaux import delai

    settings.CARE_TRAVAUX_DELAI_SECONDES = 60
    settings.CARE_TRAVAUX_DELAI_MAX_SECONDES = 300
    assert [delai(n).total_seconds() for n in (1, 2, 3, 4, 5)] == [60, 120, 240, 300, 300]


@pytest.mark.django_db
def test_un_travail_fait_n_est_jamais_republie_et_les_anciens_sont_purges(settings):
    ancien = Travail.objects.create(tache="core.sante", etat=Travail.Etat.FAIT,
                                    fait_le=timezone.now() - timedelta(days=settings.CARE_TRAVAUX_CONSERVATION_JOURS + 1),
                                    prochain_essai_le=timezone.now() - timedelta(days=40))
    recent = Travail.objects.create(tache="core.sante", etat=Travail.Etat.FAIT, fait_le=timezone.now(),
                                    prochain_essai_le=timezone.now() - timedelta(days=1))
    assert relancer_travaux() == {"publies": 0, "abandonnes": 0, "purges": 1}
    assert not Travail.objects.filter(pk=ancien.pk).exists()
    assert Travail.objects.get(pk=recent.pk).envois == 0


@pytest.mark.django_db
def test_relancer_un_objet_republie_ses_travaux_ouverts_seulement(django_capture_on_commit_callbacks):
    ouvert = Travail.objects.create(tache="core.sante", arguments=["a"], objet="core.essai:7",
                                    etat=Travail.Etat.ABANDONNE, envois=10)
    fait = Travail.objects.create(tache="core.sante", arguments=["b"], objet="core.essai:7", etat=Travail.Etat.FAIT)
    with django_capture_on_commit_callbacks(execute=True):
        assert relancer("core.essai:7") == 1
    ouvert.refresh_from_db()
    fait.refresh_from_db()
    assert (ouvert.etat, ouvert.envois) == (Travail.Etat.FAIT, 1)
    assert fait.envois == 0 and en_attente("core.essai:7") == []


class ObservateurSMTP:
    """A mail backend that reads the e-mail's record at the moment of the SMTP call."""

    vus: list[str] = []

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        ObservateurSMTP.vus.extend(Envoi.objects.values_list("statut", flat=True))
        return len(messages)


# --- e-mails --------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_un_email_porte_un_message_id_stable_et_n_est_pas_renvoye(django_capture_on_commit_callbacks, settings):
    settings.SITE_URL = "https://ecare.sante.gouv.fr"
    with django_capture_on_commit_callbacks(execute=True):
        envoi = envoyer_email(["rssi@ch-exemple.fr"], "Essai", "rappel_audit", {})
    assert len(mail.outbox) == 1
    assert mail.outbox[0].extra_headers["Message-ID"] == message_id(envoi.pk) == \
        f"<ecare.envoi.{envoi.pk}@ecare.sante.gouv.fr>"
    envoi.refresh_from_db()
    assert envoi.statut == Envoi.Statut.ENVOYE
    # the same work published again (a lost acknowledgement): no second message
    travail = Travail.objects.get(objet=f"notifications.envoi:{envoi.pk}")
    with django_capture_on_commit_callbacks(execute=True):
        relancer(travail.objet)
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_un_email_est_marque_en_cours_avant_l_appel_smtp(django_capture_on_commit_callbacks, settings):
    ObservateurSMTP.vus = []
    settings.EMAIL_BACKEND = f"{__name__}.ObservateurSMTP"
    with django_capture_on_commit_callbacks(execute=True):
        envoi = envoyer_email(["dsi@ch-exemple.fr"], "Essai", "rappel_audit", {})
    assert ObservateurSMTP.vus == [Envoi.Statut.EN_COURS]
    envoi.refresh_from_db()
    assert envoi.statut == Envoi.Statut.ENVOYE


# --- storage --------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_les_fichiers_orphelins_anciens_sont_retires_jamais_ceux_d_un_document(settings, tmp_path):
    import os

    from django.contrib.contenttypes.models import ContentType

    from care_portal.documents import services as documents
    from care_portal.documents.models import Document

    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}}}
    orphelin = default_storage.save("documents/2026/11/orphelin", ContentFile(b"octets sans ligne"))
    recent = default_storage.save("documents/2026/12/en-cours", ContentFile(b"envoi en cours"))
    garde = default_storage.save("documents/2026/11/garde", ContentFile(b"octets d'un document"))
    Document.objects.create(cle_stockage=garde, nom_original="garde.pdf", type_mime="application/pdf",
                            taille=20, sha256="0" * 64, categorie="essai", object_id="1",
                            content_type=ContentType.objects.get_for_model(Travail))
    vieux = (timezone.now() - timedelta(hours=25)).timestamp()
    for cle in (orphelin, garde):
        os.utime(tmp_path / cle, (vieux, vieux))
    assert documents.orphelins_nettoyer() == [orphelin]
    assert not default_storage.exists(orphelin)
    assert default_storage.exists(recent) and default_storage.exists(garde)


# --- database outage ------------------------------------------------------------------------------

@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_page_503_en_francais_pendant_une_panne_de_la_base(settings):
    from django.db import connection

    from tests.factories import UserFactory

    client = Client(raise_request_exception=False)
    client.force_login(UserFactory())
    reglages = connection.settings_dict
    avant = dict(reglages)
    if connection.vendor == "postgresql":
        reglages["PORT"] = "9"  # nobody listens there: the connection is refused
    else:
        reglages["NAME"] = "/nonexistent/dossier/base.sqlite3"
    connection.close()
    try:
        reponse = client.get(reverse("core:accueil"))
    finally:
        reglages.clear()
        reglages.update(avant)
        connection.close()
    assert reponse.status_code == 503
    assert reponse["Retry-After"] == "60"
    texte = reponse.content.decode()
    assert "Service momentanément indisponible" in texte and "rien n'a été enregistré à moitié" in texte
    assert 'lang="fr"' in texte
