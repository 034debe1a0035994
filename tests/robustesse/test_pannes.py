"""Nothing lost when the broker or the database blinks (issue 24), with real parts: a real Celery worker,
a Redis the test stops and starts, a worker killed with SIGKILL in the middle of its task, a database
connection cut under the worker. No operator action: the catch-up job (``relancer_travaux``, run here
between checks as beat runs it every minute) does the rest."""

from __future__ import annotations

import hashlib

import pytest
from django.core.files.storage import default_storage

from care_portal.core.models import Travail
from care_portal.core.travaux import relancer_travaux
from care_portal.documents import services as documents
from care_portal.documents.models import Document
from care_portal.notifications.models import Envoi
from care_portal.notifications.services import envoyer_email
from conventions import services as conventions
from conventions.models import Convention
from tests.conventions.conventions import admin_ans, dossier_complet, lire

from .conftest import Relais, attendre, url_base

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _envoyee(cv_pk: int) -> bool:
    return Convention.objects.get(pk=cv_pk).etat == Convention.Etat.ENVOYEE


def _mails_convention(cv: Convention):
    return Envoi.objects.filter(gabarit="convention_a_signer", candidature=cv.candidature)


def _rien_de_perdu(cv: Convention) -> None:
    """The convention was sent once: one PDF whose bytes match their hash, one e-mail to the signatory,
    delivered, and no work left waiting."""
    cv = Convention.objects.get(pk=cv.pk)
    assert cv.etat == Convention.Etat.ENVOYEE and cv.envoi == 1 and not cv.erreur_envoi
    pdfs = Document.objects.filter(categorie=conventions.CATEGORIE_CONVENTION, object_id=cv.pk)
    assert pdfs.count() == 1
    assert hashlib.sha256(lire(pdfs.get())).hexdigest() == pdfs.get().sha256
    mails = list(_mails_convention(cv))
    assert len(mails) == 1 and mails[0].statut == Envoi.Statut.ENVOYE
    assert not Travail.objects.exclude(etat=Travail.Etat.FAIT).filter(objet__in=[
        f"conventions.convention:{cv.pk}", f"notifications.envoi:{mails[0].pk}"]).exists()


def test_broker_arrete_pendant_l_action_puis_revenu(redis_jetable, workers):
    workers()
    c, _, _ = dossier_complet()
    redis_jetable.arreter()

    # the ANS sends the convention while the broker is down: the action commits, its work is recorded
    cv = conventions.convention_envoyer(convention=c.convention, acteur=admin_ans())
    cv.refresh_from_db()
    assert cv.envoi_demande_le is not None and cv.etat == Convention.Etat.A_GENERER
    travail = Travail.objects.get(objet=f"conventions.convention:{cv.pk}")
    assert travail.etat == Travail.Etat.A_ENVOYER and "Broker indisponible" in travail.derniere_erreur
    relancer_travaux()  # the catch-up while the broker is still down: nothing lost, nothing done
    assert Travail.objects.get(pk=travail.pk).etat == Travail.Etat.A_ENVOYER
    assert not _envoyee(cv.pk)

    redis_jetable.demarrer()  # the broker is back: the worker reconnects, the catch-up publishes
    attendre(lambda: _envoyee(cv.pk) and _mails_convention(cv).filter(statut=Envoi.Statut.ENVOYE).exists(),
             delai=90, pendant=relancer_travaux, message="le travail n'a pas été repris au retour du broker")
    attendre(lambda: not Travail.objects.exclude(etat=Travail.Etat.FAIT).exists(), delai=30,
             pendant=relancer_travaux, message="des travaux restent en attente")
    _rien_de_perdu(cv)


def test_worker_tue_au_milieu_de_la_tache(redis_jetable, workers, tmp_path):
    temoin = tmp_path / "tue-ici.txt"
    premier = workers(CARE_TEST_LENTEUR=str(temoin))
    c, _, _ = dossier_complet()
    cv = conventions.convention_envoyer(convention=c.convention, acteur=admin_ans())

    # the worker has written the PDF's bytes and its row, not committed: killed there
    attendre(temoin.exists, delai=60, message="le worker n'a pas atteint le point d'arrêt")
    cle_orpheline = temoin.read_text()
    premier.tuer()
    assert default_storage.exists(cle_orpheline)
    assert not Document.objects.filter(cle_stockage=cle_orpheline).exists()  # rolled back with the worker
    assert Travail.objects.get(objet=f"conventions.convention:{cv.pk}").etat == Travail.Etat.CONFIE

    workers()  # another worker (a restarted pod); the catch-up publishes the lost work again
    attendre(lambda: _envoyee(cv.pk) and _mails_convention(cv).filter(statut=Envoi.Statut.ENVOYE).exists(),
             delai=90, pendant=relancer_travaux, message="le travail du worker tué n'a pas été repris")
    attendre(lambda: not Travail.objects.exclude(etat=Travail.Etat.FAIT).exists(), delai=30,
             pendant=relancer_travaux, message="des travaux restent en attente")
    _rien_de_perdu(cv)

    # the bytes the killed worker left are found and removed; the committed PDF's are kept
    from datetime import timedelta

    retires = documents.orphelins_nettoyer(grace=timedelta(0))
    assert retires == [cle_orpheline]
    assert not default_storage.exists(cle_orpheline)
    pdf = Document.objects.get(categorie=conventions.CATEGORIE_CONVENTION, object_id=cv.pk)
    assert default_storage.exists(pdf.cle_stockage)


def test_base_coupee_sous_le_worker_puis_revenue(redis_jetable, workers, settings):
    """An e-mail task published while the worker cannot reach the database fails there; it is not lost:
    the catch-up publishes it again and the worker, reconnected by itself, sends it once."""
    relais = Relais(settings.DATABASES["default"]["HOST"] or "127.0.0.1",
                    int(settings.DATABASES["default"]["PORT"] or 5432))
    relais.retablir()
    worker = workers(DATABASE_URL=url_base(relais.port))
    relais.couper()
    try:
        envoi = envoyer_email(["rssi@ch-exemple.fr"], "Essai de reprise", "rappel_audit",
                              {"lien": "https://ecare.example/"})
        travail = Travail.objects.get(objet=f"notifications.envoi:{envoi.pk}")
        # the worker took it and failed on the database; nothing was recorded as sent
        attendre(lambda: "OperationalError" in worker.sortie() or "InterfaceError" in worker.sortie(), delai=30,
                 message="le worker n'a pas rencontré la coupure : " + worker.sortie())
        assert Envoi.objects.get(pk=envoi.pk).statut == Envoi.Statut.EN_ATTENTE
        assert Travail.objects.get(pk=travail.pk).etat != Travail.Etat.FAIT
    finally:
        relais.retablir()
    attendre(lambda: Envoi.objects.get(pk=envoi.pk).statut == Envoi.Statut.ENVOYE, delai=60,
             pendant=relancer_travaux, message="l'e-mail n'a pas été envoyé au retour de la base")
    attendre(lambda: Travail.objects.get(pk=travail.pk).etat == Travail.Etat.FAIT, delai=30,
             pendant=relancer_travaux)
    assert Envoi.objects.get(pk=envoi.pk).tentatives == 1  # one delivery, not one per publication
    relais.couper()
