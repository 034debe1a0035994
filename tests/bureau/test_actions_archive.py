"""« Télécharger les documents (ZIP) » (issue 21, part B): the dossiers are checked one by one, then one
Celery task (dispatched through care_portal.core.travaux) builds the ZIP from the documents service — a folder
per dossier, only what the agent may read, each file checked against its SHA-256 — and stores it through the
documents service, downloadable by its requester only, removed once expired. The ZIPs are read back.

In these tests the task runs in-process (CELERY_TASK_ALWAYS_EAGER, on commit); the last test has a real
worker build it through Redis (PostgreSQL and Redis needed: skipped without them)."""

from __future__ import annotations

import datetime
import io
import uuid
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from care_portal.bureau.archives import services
from care_portal.bureau.archives.models import Archive, Execution
from care_portal.comptes.roles import Role
from care_portal.core.models import Travail
from care_portal.documents import services as documents
from care_portal.documents.models import Document, Telechargement
from care_portal.documents.selectors import MESSAGE_INFECTE
from care_portal.workflow.selectors import journal_de
from tests.bureau.test_actions import nouveau_dossier
from tests.candidatures import donnees
from tests.comptes.helpers import agent_verifie, connecter
from tests.factories import AppelFactory

CONFIRMER = "/bureau/actions/confirmer/"


@pytest.fixture
def stockage(settings, tmp_path):
    return donnees.stockage_prive(settings, tmp_path)


@pytest.fixture
def ars():
    return donnees.ars("33", prenom="Agathe", nom="Instructrice")


def lire(document: Document) -> bytes:
    with default_storage.open(document.cle_stockage, "rb") as f:
        return f.read()


def pdf(texte: str) -> bytes:
    import weasyprint

    return weasyprint.HTML(string=f"<p>{texte}</p>").write_pdf()


@pytest.fixture
def jeu(stockage, ars):
    """Libourne: its RIB, a decision in two versions, an infected file, a declaration receipt; Blaye: its RIB;
    an empty draft; a dossier of Île-de-France."""
    from declarations.models import Declaration

    appel = AppelFactory()
    libourne = nouveau_dossier("CH de Libourne", appel=appel)
    decision_v1 = documents.document_deposer(fichier=donnees.pdf("decision.pdf", pdf("v1")), acteur=None,
                                             proprietaire=libourne, categorie="decision_support")
    decision_v2 = documents.document_deposer(fichier=donnees.pdf("decision.pdf", pdf("v2")), acteur=None,
                                             proprietaire=libourne, categorie="decision_support", remplace=decision_v1)
    infecte = documents.document_deposer(fichier=donnees.pdf("virus.pdf", pdf("eicar")), acteur=None,
                                         proprietaire=libourne, categorie="convention_constitutive")
    Document.objects.filter(pk=infecte.pk).update(etat_analyse=Document.EtatAnalyse.INFECTE)
    declaration = Declaration.objects.create(candidature=libourne)
    recepisse = documents.document_deposer(fichier=donnees.pdf("recepisse.pdf", pdf("reçu")), acteur=None,
                                           proprietaire=declaration, categorie="recepisse")
    blaye = nouveau_dossier("CH de Blaye", appel=appel)
    from tests.factories import CandidatureFactory, EntiteJuridiqueFactory

    vide = CandidatureFactory(structure=EntiteJuridiqueFactory(raison_sociale="CH sans pièce"), appel=appel)
    paris = nouveau_dossier("Hôpital de Paris", dep="75", appel=appel)
    return {"libourne": libourne, "blaye": blaye, "vide": vide, "paris": paris, "decision_v1": decision_v1,
            "decision_v2": decision_v2, "infecte": infecte, "recepisse": recepisse,
            "rib_libourne": Document.objects.get(object_id=str(libourne.pk), categorie="rib"),
            "rib_blaye": Document.objects.get(object_id=str(blaye.pk), categorie="rib")}


def confirmer(client, dossiers, capture) -> Execution:
    with capture(execute=True):
        r = client.post(CONFIRMER, {"action": "telecharger_zip", "dossiers": [d.pk for d in dossiers],
                                    "confirmer": "1", "jeton": str(uuid.uuid4())})
    assert r.status_code == 302
    return Execution.objects.get(pk=r["Location"].rstrip("/").rsplit("/", 1)[-1])


def contenu_zip(reponse) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(b"".join(reponse.streaming_content)))


@pytest.mark.django_db
def test_archive_construite_lue_et_reservee_a_son_demandeur(client, ars, jeu, django_capture_on_commit_callbacks):
    agent_verifie(client, ars)
    execution = confirmer(client, [jeu["libourne"], jeu["blaye"], jeu["vide"], jeu["paris"]],
                          django_capture_on_commit_callbacks)
    lignes = {ligne.dossier_id or ligne.reference: (ligne.resultat, ligne.message) for ligne in execution.lignes.all()}
    assert lignes[jeu["libourne"].pk] == ("fait", "3\u00a0documents retenus pour l'archive ; 1\u00a0document non "
                                                  "inclus (analyse antivirale en cours ou fichier bloqué).")
    assert lignes[jeu["blaye"].pk] == ("fait", "1\u00a0document retenu pour l'archive.")
    assert lignes[jeu["vide"].pk][0] == "refuse" and "Aucun document de ce dossier" in lignes[jeu["vide"].pk][1]
    assert lignes[str(jeu["paris"].pk)][0] == "ignore"

    archive = Archive.objects.get(execution=execution)
    # handed to a worker through the outbox, with the archive as its object
    travail = Travail.objects.get(tache="bureau.construire_archive")
    assert travail.arguments == [str(archive.pk)] and travail.objet == f"bureau_archives.archive:{archive.pk}"
    assert archive.etat == Archive.Etat.PRETE and archive.demandeur == ars
    assert sorted(archive.dossiers) == sorted([jeu["libourne"].pk, jeu["blaye"].pk])
    assert (archive.traites, archive.total, archive.exclus) == (4, 4, 1)
    assert archive.expire_le - archive.termine_le == datetime.timedelta(hours=24)
    assert archive.document.categorie == Archive.CATEGORIE and archive.document.depose_par is None

    # the report and the archive's page link to it
    rapport = client.get(reverse("bureau:actions_rapport", args=[execution.pk])).content.decode()
    assert reverse("bureau:actions_archive", args=[archive.pk]) in rapport
    page = client.get(reverse("bureau:actions_archive", args=[archive.pk])).content.decode()
    lien = reverse("documents:telecharger", args=[archive.document_id])
    assert "L'archive est prête" in page.replace("&#x27;", "'") and lien in page
    etat = client.get(reverse("bureau:actions_archive_etat", args=[archive.pk])).json()
    assert etat["telechargeable"] and etat["pourcentage"] == 100 and etat["lien"] == lien

    # downloaded and read back: a folder per dossier, the current versions, the right bytes
    reponse = client.get(lien)
    assert reponse.status_code == 200 and reponse["Content-Type"] == "application/zip"
    zf = contenu_zip(reponse)
    racine_l = f"{jeu['libourne'].pk} - CH de Libourne — FINESS {jeu['libourne'].entite_juridique.finess}"
    racine_b = f"{jeu['blaye'].pk} - CH de Blaye — FINESS {jeu['blaye'].entite_juridique.finess}"
    attendus = {
        f"{racine_l}/Candidature/rib - rib.pdf": jeu["rib_libourne"],
        f"{racine_l}/Candidature/decision_support - decision (v2).pdf": jeu["decision_v2"],
        f"{racine_l}/Déclaration/recepisse - recepisse.pdf": jeu["recepisse"],
        f"{racine_b}/Candidature/rib - rib.pdf": jeu["rib_blaye"],
    }
    noms = set(zf.namelist())
    assert noms - {"LISEZMOI.txt"} >= set(attendus)
    for nom, document in attendus.items():
        assert zf.read(nom) == lire(document)
    assert all(n.startswith((racine_l, racine_b)) for n in noms - {"LISEZMOI.txt"})
    assert not any("virus" in n or "decision.pdf" in n and "(v2)" not in n for n in noms)
    assert not any("Paris" in n or "sans pièce" in n for n in noms)
    lisez_moi = zf.read("LISEZMOI.txt").decode()
    assert "Demandée par Agathe Instructrice" in lisez_moi
    assert f"virus.pdf : {MESSAGE_INFECTE}" in lisez_moi
    assert jeu["rib_blaye"].sha256 in lisez_moi
    # the download log says who received each document, and the ZIP
    recus = set(Telechargement.objects.filter(utilisateur=ars).values_list("document_id", flat=True))
    assert {d.pk for d in attendus.values()} | {archive.document_id} <= recus
    assert jeu["infecte"].pk not in recus
    assert list(journal_de(archive).values_list("code", flat=True).order_by("id")) == [
        "bureau.archive.demandee", "documents.document.depose", "bureau.archive.prete"]

    # nobody else: another agent of the same region, the ANS, the establishment
    client.logout()
    agent_verifie(client, donnees.ars("33", prenom="Bruno", nom="Collègue"))
    for url in (lien, reverse("bureau:actions_archive", args=[archive.pk]),
                reverse("bureau:actions_archive_etat", args=[archive.pk])):
        assert client.get(url).status_code == 404
    client.logout()
    agent_verifie(client, donnees.ans(Role.ADMIN_ANS))
    assert client.get(lien).status_code == 404
    client.logout()
    connecter(client, donnees.referent(jeu["libourne"].entite_juridique))
    assert client.get(lien).status_code == 404
    assert client.get(reverse("bureau:actions_archive", args=[archive.pk])).status_code == 403


@pytest.mark.django_db
def test_archive_expiree_supprimee(client, ars, jeu, django_capture_on_commit_callbacks):
    agent_verifie(client, ars)
    execution = confirmer(client, [jeu["blaye"]], django_capture_on_commit_callbacks)
    archive = Archive.objects.get(execution=execution)
    cle = archive.document.cle_stockage
    lien = reverse("documents:telecharger", args=[archive.document_id])
    assert client.get(lien).status_code == 200
    assert services.archives_purger(maintenant=archive.expire_le - datetime.timedelta(seconds=1)) == 0
    # past its time: not served any more even before the purge runs
    Archive.objects.filter(pk=archive.pk).update(expire_le=timezone.now() - datetime.timedelta(seconds=1))
    assert client.get(lien).status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        assert services.archives_purger() == 1
    archive.refresh_from_db()
    assert archive.etat == Archive.Etat.EXPIREE
    assert Document.tous.get(pk=archive.document_id).est_supprime and not default_storage.exists(cle)
    assert "bureau.archive.expiree" in journal_de(archive).values_list("code", flat=True)
    page = client.get(reverse("bureau:actions_archive", args=[archive.pk])).content.decode()
    assert "Archive expirée" in page and lien not in page
    with django_capture_on_commit_callbacks(execute=True):
        assert services.archives_purger() == 0  # idempotent


@pytest.mark.django_db
def test_archive_trop_lourde_refusee_avec_son_motif(client, ars, jeu, settings, django_capture_on_commit_callbacks):
    settings.CARE_DOCUMENTS_TAILLE_MAX = 1024 * 1024
    Document.objects.filter(pk=jeu["rib_blaye"].pk).update(taille=2 * 1024 * 1024)
    agent_verifie(client, ars)
    execution = confirmer(client, [jeu["blaye"]], django_capture_on_commit_callbacks)
    archive = Archive.objects.get(execution=execution)
    assert archive.etat == Archive.Etat.ECHEC and archive.document is None
    assert "dépassent 1 Mo, la taille maximale d'une archive : choisissez moins de dossiers" in archive.erreur
    page = client.get(reverse("bureau:actions_archive", args=[archive.pk])).content.decode().replace("&#x27;", "'")
    assert "L'archive n'a pas pu être préparée" in page and archive.erreur in page
    assert client.get(reverse("bureau:actions_archive_etat", args=[archive.pk])).json()["termine"] is True


@pytest.mark.django_db
def test_seuls_les_dossiers_que_le_demandeur_voit(ars, jeu, django_capture_on_commit_callbacks):
    """Asked directly for a dossier of another region (never through the view, which leaves it out), the
    archive still holds only the documents its requester may read."""
    with django_capture_on_commit_callbacks(execute=True):
        archive = services.archive_demander(acteur=ars, dossiers=[jeu["blaye"].pk, jeu["paris"].pk])
    archive.refresh_from_db()
    assert archive.etat == Archive.Etat.PRETE
    zf = zipfile.ZipFile(io.BytesIO(lire(archive.document)))
    assert [n for n in zf.namelist() if n != "LISEZMOI.txt"] and not any("Paris" in n for n in zf.namelist())
    # built again (the task published twice): nothing changes
    assert services.archive_construire(archive_id=archive.pk) == Archive.Etat.PRETE
    assert Document.objects.filter(categorie=Archive.CATEGORIE).count() == 1


@pytest.fixture
def env_worker(monkeypatch, stockage):
    """What the worker process reads from its environment: this test's storage."""
    monkeypatch.setenv("MEDIA_ROOT", str(stockage))


@pytest.mark.services
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_archive_construite_par_un_vrai_worker(env_worker, celery_worker_process, ars, jeu):
    import time

    archive = services.archive_demander(acteur=ars, dossiers=[jeu["libourne"].pk, jeu["blaye"].pk])  # committed
    fin = time.monotonic() + 90
    while time.monotonic() < fin:
        archive.refresh_from_db()
        if archive.termine:
            break
        time.sleep(0.3)
    assert archive.etat == Archive.Etat.PRETE, archive.erreur
    zf = zipfile.ZipFile(io.BytesIO(lire(archive.document)))
    assert zf.testzip() is None
    contenus_attendus = {lire(jeu[k]) for k in ("rib_libourne", "decision_v2", "recepisse", "rib_blaye")}
    assert contenus_attendus <= {zf.read(n) for n in zf.namelist()}
    assert Travail.objects.get(tache="bureau.construire_archive").etat == Travail.Etat.FAIT
