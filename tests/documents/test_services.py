"""document_deposer / remplacer / supprimer / verrouiller: happy paths, every refusal, nothing half-saved."""

from __future__ import annotations

import hashlib
import re

import pytest
from django.core.files.uploadedfile import TemporaryUploadedFile
from guardian.shortcuts import assign_perm

from care_portal.documents import acces, services
from care_portal.documents.models import Document, Telechargement, TelechargementImmuable
from care_portal.documents.selectors import documents_du_proprietaire, versions_de
from care_portal.referentiel.models import EntiteJuridique
from care_portal.workflow.models import TransitionLog
from care_portal.workflow.services import WorkflowError
from tests.factories import EntiteJuridiqueFactory, UserFactory

from . import contenus
from .conftest import fichier, fichiers_stockes

pytestmark = pytest.mark.django_db


def deposer(structure, acteur, contenu=None, nom="pssi.pdf", categorie="pssi", **kwargs) -> Document:
    return services.document_deposer(
        fichier=fichier(contenus.pdf() if contenu is None else contenu, nom), acteur=acteur,
        proprietaire=structure, categorie=categorie, **kwargs,
    )


def journal(structure, code=None):
    qs = TransitionLog.objects.filter(object_id=str(structure.pk), code__startswith="documents.")
    return list(qs.filter(code=code) if code else qs)


# --- deposit ---------------------------------------------------------------------------------


def test_deposer_stocke_sous_une_cle_du_serveur_avec_empreinte_et_journal(structure, membre, stockage, pdf):
    doc = deposer(structure, membre, pdf, nom="../../PSSI\x00 2024.pdf")

    assert re.fullmatch(r"documents/\d{4}/\d{2}/[0-9a-f]{32}", doc.cle_stockage)
    assert "PSSI" not in doc.cle_stockage
    assert doc.nom_original == "PSSI 2024.pdf"
    assert doc.type_mime == "application/pdf"
    assert doc.taille == len(pdf)
    assert doc.sha256 == hashlib.sha256(pdf).hexdigest()
    assert doc.etat_analyse == Document.EtatAnalyse.NON_ANALYSE  # no clamd configured
    assert (doc.depose_par, doc.version, doc.remplace, doc.verrouille) == (membre, 1, None, False)
    assert doc.proprietaire == structure and doc.categorie == "pssi"
    assert fichiers_stockes(stockage) == [doc.cle_stockage]
    assert (stockage / doc.cle_stockage).read_bytes() == pdf
    [ligne] = journal(structure)
    assert ligne.code == "documents.document.depose"
    assert ligne.acteur == membre
    assert ligne.donnees["document"] == str(doc.pk) and ligne.donnees["sha256"] == doc.sha256


def test_deposer_depuis_un_fichier_temporaire_sur_disque(structure, membre, stockage):
    """Large uploads arrive as TemporaryUploadedFile: streamed to storage, not moved nor loaded."""
    contenu = contenus.zip_oradad()
    televerse = TemporaryUploadedFile("export-oradad.zip", "application/zip", len(contenu), None)
    televerse.write(contenu)
    televerse.seek(0)
    doc = services.document_deposer(fichier=televerse, acteur=membre, proprietaire=structure, categorie="oradad")
    assert doc.type_mime == "application/zip"
    assert doc.sha256 == hashlib.sha256(contenu).hexdigest()
    assert (stockage / doc.cle_stockage).read_bytes() == contenu
    televerse.close()


@pytest.mark.parametrize(
    ("contenu", "nom", "extrait"),
    [
        (contenus.HTML_RENOMME, "facture.pdf", "page web (HTML)"),
        (contenus.EXE_WINDOWS, "pssi.pdf", "programmes et les scripts"),
        (contenus.EXE_LINUX, "rapport.docx", "programmes et les scripts"),
        (contenus.SCRIPT_SHELL, "audit.zip", "programmes et les scripts"),
        (b"", "vide.pdf", "Le fichier est vide."),
        (contenus.TEXTE, "note.txt", "n'est pas accepté"),
        (None, "\x00\x01\x1b", "nom du fichier est vide"),
        (None, "..\\..\\", "nom du fichier est vide"),
    ],
    ids=["html-renomme", "exe", "elf", "script", "vide", "texte", "nom-controle", "nom-chemin"],
)
def test_refus_sans_rien_enregistrer(structure, membre, stockage, contenu, nom, extrait):
    with pytest.raises(WorkflowError) as erreur:
        deposer(structure, membre, contenu, nom=nom)
    assert extrait in erreur.value.message
    assert fichiers_stockes(stockage) == []
    assert not Document.tous.exists()
    assert journal(structure) == []


def test_refus_au_dela_de_la_taille_maximale(structure, membre, stockage, settings, pdf):
    settings.CARE_DOCUMENTS_TAILLE_MAX = len(pdf) - 1
    with pytest.raises(WorkflowError) as erreur:
        deposer(structure, membre, pdf)
    assert erreur.value.message == "Le fichier est trop volumineux (max 1 Mo)."
    assert fichiers_stockes(stockage) == [] and not Document.tous.exists()


def test_taille_annoncee_mensongere_coupee_pendant_la_copie(structure, membre, stockage, settings, pdf):
    """The limit holds while streaming too: a file bigger than it says is cut, the partial object erased."""
    settings.CARE_DOCUMENTS_TAILLE_MAX = 1024
    televerse = fichier(pdf)
    televerse.size = 100
    with pytest.raises(WorkflowError) as erreur:
        services.document_deposer(fichier=televerse, acteur=membre, proprietaire=structure, categorie="pssi")
    assert "trop volumineux" in erreur.value.message
    assert fichiers_stockes(stockage) == [] and not Document.tous.exists()


def test_erreur_apres_ecriture_efface_le_fichier_et_annule_la_ligne(structure, membre, stockage, monkeypatch):
    def panne(*args, **kwargs):
        raise RuntimeError("base indisponible")

    monkeypatch.setattr(services, "journaliser", panne)
    with pytest.raises(RuntimeError):
        deposer(structure, membre)
    assert fichiers_stockes(stockage) == []
    assert not Document.tous.exists()


def test_refus_sans_droit_de_depot(structure, autre_membre, stockage):
    with pytest.raises(WorkflowError) as erreur:
        deposer(structure, autre_membre)
    assert "pas le droit" in erreur.value.message
    assert fichiers_stockes(stockage) == [] and not Document.tous.exists()


def test_refus_proprietaire_non_declare(membre, stockage):
    utilisateur = UserFactory()
    with pytest.raises(WorkflowError) as erreur:
        deposer(utilisateur, membre)
    assert erreur.value.message == "Ce dossier n'accepte pas de documents."
    assert fichiers_stockes(stockage) == []


def test_categories_declarees_par_le_proprietaire(structure, membre, stockage):
    acces.enregistrer(EntiteJuridique, lambda u: EntiteJuridique.objects.all(), categories={"rib"})
    assert deposer(structure, membre, categorie="rib").categorie == "rib"
    with pytest.raises(WorkflowError) as erreur:
        deposer(structure, membre, categorie="pssi")
    assert erreur.value.message == "Cette pièce n'est pas attendue pour ce dossier."


def test_depot_par_le_portail_sans_acteur(structure, stockage):
    doc = deposer(structure, None, nom="recepisse.pdf", categorie="recepisse")
    assert doc.depose_par is None
    assert journal(structure)[0].acteur is None


# --- versions, lock, delete, replace -----------------------------------------------------------


def test_nouvelle_version_garde_l_ancienne(structure, membre, stockage):
    v1 = deposer(structure, membre)
    v2 = deposer(structure, membre, contenus.docx(), nom="pssi-v2.docx", remplace=v1)

    assert (v2.version, v2.remplace) == (2, v1)
    assert Document.objects.filter(pk=v1.pk).exists()
    assert (stockage / v1.cle_stockage).exists() and (stockage / v2.cle_stockage).exists()
    assert list(documents_du_proprietaire(structure)) == [v2]
    assert list(documents_du_proprietaire(structure, courants=False)) == [v1, v2]
    assert versions_de(v1) == [v1, v2] == versions_de(v2)
    assert [ligne.code for ligne in journal(structure)] == ["documents.document.depose", "documents.document.nouvelle_version_deposee"]
    assert journal(structure)[1].donnees["remplace"] == str(v1.pk)


def test_une_version_ne_se_remplace_qu_une_fois(structure, membre, stockage):
    v1 = deposer(structure, membre)
    deposer(structure, membre, remplace=v1)
    with pytest.raises(WorkflowError) as erreur:
        deposer(structure, membre, remplace=v1)
    assert "déjà été remplacé" in erreur.value.message
    assert len(fichiers_stockes(stockage)) == 2


def test_nouvelle_version_de_la_meme_piece_seulement(structure, membre, stockage):
    v1 = deposer(structure, membre)
    with pytest.raises(WorkflowError) as erreur:
        deposer(structure, membre, categorie="rib", remplace=v1)
    assert "même pièce" in erreur.value.message
    autre = EntiteJuridiqueFactory()
    assign_perm("referentiel.acceder_structure", membre, autre)
    with pytest.raises(WorkflowError):
        deposer(autre, membre, remplace=v1)
    assert fichiers_stockes(stockage) == [v1.cle_stockage]


def test_document_verrouille_ni_supprime_ni_remplace_mais_nouvelle_version_possible(structure, membre, stockage, pdf):
    v1 = deposer(structure, membre)
    assert services.document_verrouiller(documents=[v1], acteur=None) == 1
    v1.refresh_from_db()
    assert v1.verrouille and v1.verrouille_le

    with pytest.raises(WorkflowError) as erreur:
        services.document_supprimer(document=v1, acteur=membre)
    assert "ne peut plus être supprimé" in erreur.value.message
    with pytest.raises(WorkflowError) as erreur:
        services.document_remplacer(document=v1, fichier=fichier(contenus.docx(), "autre.docx"), acteur=membre)
    assert "ne peut plus être remplacé" in erreur.value.message
    v1.refresh_from_db()
    assert (v1.supprime_le, v1.sha256) == (None, hashlib.sha256(pdf).hexdigest())
    assert fichiers_stockes(stockage) == [v1.cle_stockage]

    v2 = deposer(structure, membre, contenus.odt(), nom="pssi.odt", remplace=v1)
    assert v2.remplace == v1 and not v2.verrouille
    assert Document.objects.filter(pk=v1.pk, verrouille=True).exists()


def test_verrouiller_est_idempotent_et_journalise_par_proprietaire(structure, membre, stockage):
    a = deposer(structure, membre)
    b = deposer(structure, membre, categorie="rib")
    assert services.document_verrouiller(documents=[a, b], acteur=None) == 2
    assert services.document_verrouiller(documents=[a, b], acteur=None) == 0
    [ligne] = journal(structure, "documents.document.verrouille")
    assert {d["document"] for d in ligne.donnees["documents"]} == {str(a.pk), str(b.pk)}


def test_supprimer_garde_la_ligne_et_efface_le_fichier(structure, membre, stockage, django_capture_on_commit_callbacks):
    v1 = deposer(structure, membre)
    v2 = deposer(structure, membre, remplace=v1)
    with pytest.raises(WorkflowError) as erreur:
        services.document_supprimer(document=v1, acteur=membre)
    assert "dernière version" in erreur.value.message

    with django_capture_on_commit_callbacks(execute=True):
        services.document_supprimer(document=v2, acteur=membre)
    v2 = Document.tous.get(pk=v2.pk)
    assert v2.supprime_le and v2.supprime_par == membre
    assert not Document.objects.filter(pk=v2.pk).exists()
    assert fichiers_stockes(stockage) == [v1.cle_stockage]
    assert list(documents_du_proprietaire(structure)) == [v1]  # the previous version is current again
    assert journal(structure)[-1].code == "documents.document.supprime"
    with pytest.raises(WorkflowError):
        services.document_supprimer(document=v2, acteur=membre)


def test_supprimer_sans_droit(structure, membre, autre_membre, stockage):
    doc = deposer(structure, membre)
    with pytest.raises(WorkflowError) as erreur:
        services.document_supprimer(document=doc, acteur=autre_membre)
    assert "pas le droit" in erreur.value.message
    assert Document.objects.filter(pk=doc.pk).exists()


def test_remplacer_en_place_un_brouillon(structure, membre, stockage, django_capture_on_commit_callbacks):
    doc = deposer(structure, membre)
    ancienne = doc.cle_stockage
    nouveau = contenus.docx()
    with django_capture_on_commit_callbacks(execute=True):
        remplace = services.document_remplacer(document=doc, fichier=fichier(nouveau, "pssi.docx"), acteur=membre)
    assert remplace.pk == doc.pk
    assert remplace.sha256 == hashlib.sha256(nouveau).hexdigest()
    assert remplace.type_mime.endswith("wordprocessingml.document")
    assert fichiers_stockes(stockage) == [remplace.cle_stockage] != [ancienne]
    ligne = journal(structure)[-1]
    assert ligne.code == "documents.document.remplace"
    assert ligne.donnees["ancien_sha256"] == hashlib.sha256(contenus.pdf()).hexdigest()


def test_remplacer_refuse_un_mauvais_fichier_et_garde_l_ancien(structure, membre, stockage):
    doc = deposer(structure, membre)
    with pytest.raises(WorkflowError):
        services.document_remplacer(document=doc, fichier=fichier(contenus.HTML_RENOMME, "x.pdf"), acteur=membre)
    doc.refresh_from_db()
    assert fichiers_stockes(stockage) == [doc.cle_stockage]
    assert doc.sha256 == hashlib.sha256(contenus.pdf()).hexdigest()


def test_journal_des_telechargements_en_ajout_seul(structure, membre, stockage):
    from django.db import connection, transaction

    doc = deposer(structure, membre)
    ligne = services.telechargement_enregistrer(document=doc, utilisateur=membre, adresse_ip="192.0.2.1",
                                                agent_utilisateur="Firefox")
    assert ligne.sha256 == doc.sha256
    with pytest.raises(TelechargementImmuable):
        ligne.save()
    with pytest.raises(TelechargementImmuable):
        ligne.delete()
    if connection.vendor == "postgresql":
        from django.db import DatabaseError

        with pytest.raises(DatabaseError, match="ajout seul"), transaction.atomic():
            Telechargement.objects.filter(pk=ligne.pk).update(adresse_ip="192.0.2.2")


def test_le_portail_ecrit_une_categorie_fermee_aux_utilisateurs_deja_verrouillee(structure, membre, stockage):
    """A generated receipt: a category users may not upload to (no forgery), locked from the start."""
    acces.enregistrer(EntiteJuridique, lambda u: EntiteJuridique.objects.all(), categories={"rib"})
    recu = deposer(structure, None, nom="recepisse.pdf", categorie="recepisse", verrouille=True)
    assert recu.verrouille and recu.verrouille_le and recu.depose_par is None
    with pytest.raises(WorkflowError):
        deposer(structure, membre, categorie="recepisse")
    with pytest.raises(WorkflowError):
        services.document_supprimer(document=recu, acteur=None)
