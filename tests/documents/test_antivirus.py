"""Antivirus: the clamd client on a real clamd (EICAR), the scan service, the task (eager and worker)."""

from __future__ import annotations

import io
import time

import pytest
from django.core import mail
from django.urls import reverse

from care_portal.documents import antivirus, services
from care_portal.documents.models import Document, Telechargement
from care_portal.documents.tasks import analyser_document_task, relancer_analyses_task
from care_portal.workflow.models import TransitionLog

from . import contenus
from .clamd_local import EICAR
from .conftest import fichier


def deposer(structure, acteur, contenu, nom) -> Document:
    return services.document_deposer(fichier=fichier(contenu, nom), acteur=acteur, proprietaire=structure,
                                     categorie="oradad")


# --- the protocol -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reponse", "attendu"),
    [
        ("stream: OK", antivirus.ResultatAnalyse(infecte=False)),
        ("stream: Eicar-Test-Signature-Local.UNOFFICIAL FOUND",
         antivirus.ResultatAnalyse(infecte=True, signature="Eicar-Test-Signature-Local.UNOFFICIAL")),
    ],
)
def test_interpreter_reponse(reponse, attendu):
    assert antivirus.interpreter_reponse(reponse) == attendu


@pytest.mark.parametrize("reponse", ["INSTREAM size limit exceeded. ERROR", "", "stream: Can't allocate memory ERROR"])
def test_reponse_sans_verdict(reponse):
    with pytest.raises(antivirus.ClamdErreur):
        antivirus.interpreter_reponse(reponse)


def test_clamd_injoignable(settings, tmp_path):
    settings.CLAMD_SOCKET = str(tmp_path / "absent.sock")
    with pytest.raises(antivirus.ClamdErreur, match="injoignable"):
        antivirus.analyser_flux(io.BytesIO(b"x"))


def test_eicar_trouve_par_un_vrai_clamd(avec_clamd):
    assert antivirus.commande("PING") == "PONG"
    resultat = antivirus.analyser_flux(io.BytesIO(EICAR), taille_bloc=16)  # several INSTREAM chunks
    assert resultat.infecte and "Eicar-Test-Signature-Local" in resultat.signature
    assert antivirus.analyser_flux(io.BytesIO(contenus.zip_eicar())).infecte
    assert antivirus.analyser_flux(io.BytesIO(contenus.pdf())) == antivirus.ResultatAnalyse(infecte=False)


# --- the service, through the on-commit task run in-process -------------------------------------


@pytest.mark.django_db
def test_depot_infecte_bloque_et_deposant_prevenu(client, avec_clamd, taches_embarquees, structure, membre,
                                                  django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        doc = deposer(structure, membre, contenus.zip_eicar(), "export-oradad.zip")
    assert doc.etat_analyse == Document.EtatAnalyse.EN_ATTENTE  # as returned, before the commit
    doc.refresh_from_db()
    assert doc.etat_analyse == Document.EtatAnalyse.INFECTE
    assert "Eicar-Test-Signature-Local" in doc.signature_virale and doc.analyse_le

    [courriel] = mail.outbox
    assert courriel.to == [membre.email]
    assert courriel.subject == "[eCaRE] Un fichier que vous avez déposé a été bloqué"
    assert "export-oradad.zip" in courriel.body and doc.sha256 in courriel.body
    ligne = TransitionLog.objects.get(code="documents.document.infecte")
    assert ligne.acteur is None and ligne.object_id == str(structure.pk)

    client.force_login(membre)
    reponse = client.get(reverse("documents:telecharger", args=[doc.pk]))
    assert reponse.status_code == 403
    assert not Telechargement.objects.exists()

    # idempotent: a re-run (task retried after a crash) changes nothing and sends nothing
    with django_capture_on_commit_callbacks(execute=True):
        assert analyser_document_task.delay(str(doc.pk)).get() == Document.EtatAnalyse.INFECTE
    assert len(mail.outbox) == 1
    assert TransitionLog.objects.filter(code="documents.document.infecte").count() == 1


@pytest.mark.django_db
def test_pdf_propre_sain_et_telechargeable(client, avec_clamd, taches_embarquees, structure, membre,
                                          django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        doc = deposer(structure, membre, contenus.pdf(), "pssi.pdf")
    doc.refresh_from_db()
    assert doc.etat_analyse == Document.EtatAnalyse.SAIN and doc.signature_virale == ""
    assert mail.outbox == []
    assert TransitionLog.objects.filter(code="documents.document.sain").count() == 1
    client.force_login(membre)
    assert client.get(reverse("documents:telecharger", args=[doc.pk])).status_code == 200


@pytest.mark.django_db
def test_clamd_en_panne_le_document_reste_en_attente(settings, tmp_path, taches_embarquees, structure, membre,
                                                     django_capture_on_commit_callbacks):
    """No verdict: the document stays pending (and blocked); the request does not fail."""
    settings.CLAMD_SOCKET = str(tmp_path / "absent.sock")
    with django_capture_on_commit_callbacks(execute=True):
        doc = deposer(structure, membre, contenus.pdf(), "pssi.pdf")
    doc.refresh_from_db()
    assert doc.etat_analyse == Document.EtatAnalyse.EN_ATTENTE
    with pytest.raises(antivirus.ClamdErreur):
        services.document_analyser(document_id=doc.pk)


@pytest.mark.django_db
def test_relancer_les_analyses_en_attente(avec_clamd, taches_embarquees, structure, membre):
    from datetime import timedelta

    from django.utils import timezone

    doc = deposer(structure, membre, contenus.pdf(), "pssi.pdf")  # on-commit not run: the task was "lost"
    Document.objects.filter(pk=doc.pk).update(depose_le=timezone.now() - timedelta(hours=1))
    assert relancer_analyses_task.delay().get() == 1
    doc.refresh_from_db()
    assert doc.etat_analyse == Document.EtatAnalyse.SAIN


@pytest.mark.django_db
def test_sans_clamd_non_analyse_et_telechargeable(client, structure, membre):
    doc = deposer(structure, membre, contenus.zip_eicar(), "export.zip")
    assert doc.etat_analyse == Document.EtatAnalyse.NON_ANALYSE
    assert services.document_analyser(document_id=doc.pk).etat_analyse == Document.EtatAnalyse.NON_ANALYSE
    client.force_login(membre)
    assert client.get(reverse("documents:telecharger", args=[doc.pk])).status_code == 200


# --- the real task path: a Celery worker through Redis ------------------------------------------


@pytest.fixture
def env_worker(monkeypatch, stockage, avec_clamd):
    """What the worker process reads from its environment: the same storage and clamd as this test."""
    monkeypatch.setenv("MEDIA_ROOT", str(stockage))
    monkeypatch.setenv("CLAMD_SOCKET", avec_clamd.socket)


@pytest.mark.services
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_analyse_par_un_vrai_worker(env_worker, celery_worker_process, structure, membre):
    infecte = deposer(structure, membre, contenus.zip_eicar(), "export-oradad.zip")  # committed: task sent
    sain = deposer(structure, membre, contenus.pdf(), "pssi.pdf")
    fin = time.monotonic() + 60
    while time.monotonic() < fin:
        etats = dict(Document.objects.filter(pk__in=[infecte.pk, sain.pk]).values_list("pk", "etat_analyse"))
        if Document.EtatAnalyse.EN_ATTENTE not in etats.values():
            break
        time.sleep(0.3)
    assert etats == {infecte.pk: Document.EtatAnalyse.INFECTE, sain.pk: Document.EtatAnalyse.SAIN}
    assert TransitionLog.objects.filter(code="documents.document.infecte", object_id=str(structure.pk)).exists()
