"""The documents' fabrique (care_portal/documents/fabrique.py): a portal-made document is made once per
key, even when the work runs twice or twice at once, and on any failure nothing is kept, bytes included.
The owner is an EntiteJuridique (registered for these tests, see conftest); its unique FINESS number
plays the stage's unique constraint of a real race."""

from __future__ import annotations

import pytest
from django.db import IntegrityError

from care_portal.documents import fabrique
from care_portal.documents.models import Document
from care_portal.referentiel.models import EntiteJuridique
from care_portal.workflow.models import TransitionLog

from . import contenus
from .conftest import fichiers_stockes

pytestmark = pytest.mark.django_db

CATEGORIE = "recu"


class Compteur:
    """A ``produire`` that counts its calls (a real PDF's bytes)."""

    def __init__(self):
        self.appels = 0

    def __call__(self) -> bytes:
        self.appels += 1
        return contenus.pdf()


def existant(ej):
    return Document.objects.du_proprietaire(ej, CATEGORIE).first()


def journaliser_lien(verrou, document):
    from care_portal.workflow.services import journaliser

    journaliser(verrou, "tests.recu.fabrique", acteur=None, donnees={"document": str(document.pk)})


def doublon(verrou, document):
    """The stage's unique constraint refusing a second link: a second row with the same FINESS."""
    valeurs = {f.attname: getattr(verrou, f.attname) for f in EntiteJuridique._meta.concrete_fields if not f.primary_key}
    EntiteJuridique.objects.create(**valeurs)


def lignes_du_journal(ej):
    return list(TransitionLog.objects.filter(object_id=str(ej.pk), code="tests.recu.fabrique"))


def test_fabrique_une_fois_stocke_verrouille_et_lie(structure, stockage):
    produire = Compteur()
    document = fabrique.fabriquer(structure, CATEGORIE, produire, nom="recu.pdf", existant=existant,
                                  lier=journaliser_lien)
    assert produire.appels == 1
    assert (document.categorie, document.nom_original, document.verrouille, document.depose_par) == (
        CATEGORIE, "recu.pdf", True, None)
    assert document.proprietaire == structure
    assert fichiers_stockes(stockage) == [document.cle_stockage]
    assert len(lignes_du_journal(structure)) == 1

    # the task again: the same document, no work, nothing stored, nothing logged
    encore = fabrique.fabriquer(structure, CATEGORIE, produire, nom="recu.pdf", existant=existant,
                                lier=journaliser_lien)
    assert encore.pk == document.pk and produire.appels == 1
    assert fichiers_stockes(stockage) == [document.cle_stockage]
    assert len(lignes_du_journal(structure)) == 1


def test_existant_peut_etre_un_identifiant(structure, stockage):
    premier = fabrique.fabriquer(structure, CATEGORIE, Compteur(), nom="recu.pdf", existant=existant)
    produire = Compteur()
    encore = fabrique.fabriquer(structure, CATEGORIE, produire, nom="recu.pdf",
                                existant=lambda ej: str(premier.pk))
    assert encore == premier and produire.appels == 0


def test_le_nom_peut_dependre_du_proprietaire_verrouille(structure, stockage):
    document = fabrique.fabriquer(structure, CATEGORIE, Compteur(), nom=lambda ej: f"recu-{ej.finess}.pdf",
                                  existant=existant)
    assert document.nom_original == f"recu-{structure.finess}.pdf"


def test_stocke_par_un_autre_pendant_la_production_rien_de_plus(structure, stockage):
    """Both runs passed the first lookup; the other one stored its document while ours was produced:
    under the row lock ours finds it, stores nothing and returns it."""
    autre = {}

    def produire_pendant_que_l_autre_stocke() -> bytes:
        autre["document"] = fabrique.fabriquer(structure, CATEGORIE, Compteur(), nom="autre.pdf", existant=existant)
        return contenus.pdf()

    document = fabrique.fabriquer(structure, CATEGORIE, produire_pendant_que_l_autre_stocke, nom="recu.pdf",
                                  existant=existant, lier=journaliser_lien)
    assert document.pk == autre["document"].pk
    assert Document.objects.du_proprietaire(structure, CATEGORIE).count() == 1
    assert fichiers_stockes(stockage) == [document.cle_stockage]
    assert lignes_du_journal(structure) == []


def test_course_perdue_sur_la_contrainte_unique_efface_les_octets_et_rend_le_gagnant(structure, stockage):
    gagnant = fabrique.fabriquer(structure, CATEGORIE, Compteur(), nom="gagnant.pdf", existant=existant)
    avant = fichiers_stockes(stockage)
    # both lookups passed (as if the winner was not there yet), then the unique constraint refuses ours
    document = fabrique.fabriquer(structure, CATEGORIE, Compteur(), nom="perdant.pdf", existant=lambda ej: None,
                                  lier=doublon, gagnant=existant)
    assert document.pk == gagnant.pk
    assert fichiers_stockes(stockage) == avant
    assert list(Document.tous.filter(nom_original="perdant.pdf")) == []
    assert EntiteJuridique.objects.filter(finess=structure.finess).count() == 1


def test_contrainte_unique_sans_gagnant_remonte_et_ne_garde_rien(structure, stockage):
    with pytest.raises(IntegrityError):
        fabrique.fabriquer(structure, CATEGORIE, Compteur(), nom="recu.pdf", existant=lambda ej: None, lier=doublon)
    assert fichiers_stockes(stockage) == []
    assert not Document.tous.exists()


def test_echec_de_la_liaison_n_garde_ni_ligne_ni_octets(structure, stockage):
    def lier(verrou, document):
        journaliser_lien(verrou, document)
        raise RuntimeError("panne au milieu de la liaison")

    with pytest.raises(RuntimeError):
        fabrique.fabriquer(structure, CATEGORIE, Compteur(), nom="recu.pdf", existant=existant, lier=lier)
    assert fichiers_stockes(stockage) == []
    assert not Document.tous.exists() and lignes_du_journal(structure) == []


def test_echec_de_la_production_ne_stocke_rien(structure, stockage):
    def produire() -> bytes:
        raise ValueError("rendu impossible")

    with pytest.raises(ValueError):
        fabrique.fabriquer(structure, CATEGORIE, produire, nom="recu.pdf", existant=existant)
    assert fichiers_stockes(stockage) == [] and not Document.tous.exists()


def test_atelier_efface_les_documents_deposes_si_le_bloc_echoue(structure, stockage):
    with pytest.raises(RuntimeError), fabrique.atelier():
        fabrique.deposer(structure, CATEGORIE, contenus.pdf(), nom="un.pdf")
        fabrique.deposer(structure, CATEGORIE, contenus.pdf(), nom="deux.pdf")
        assert len(fichiers_stockes(stockage)) == 2
        raise RuntimeError("panne après les dépôts")
    assert fichiers_stockes(stockage) == [] and not Document.tous.exists()


def test_atelier_imbrique_efface_aussi_ce_que_le_bloc_interieur_a_garde(structure, stockage):
    with pytest.raises(RuntimeError), fabrique.atelier():
        with fabrique.atelier():
            fabrique.deposer(structure, CATEGORIE, contenus.pdf(), nom="interieur.pdf")
        document = fabrique.fabriquer(structure, "autre", Compteur(), nom="fabrique.pdf",
                                      existant=lambda ej: Document.objects.du_proprietaire(ej, "autre").first())
        assert document.pk and len(fichiers_stockes(stockage)) == 2
        raise RuntimeError("panne du bloc extérieur")
    assert fichiers_stockes(stockage) == [] and not Document.tous.exists()


def test_atelier_reussi_garde_tout(structure, stockage):
    with fabrique.atelier():
        with fabrique.atelier():
            interieur = fabrique.deposer(structure, CATEGORIE, contenus.pdf(), nom="interieur.pdf")
        exterieur = fabrique.deposer(structure, CATEGORIE, contenus.pdf(), nom="exterieur.pdf")
    assert fichiers_stockes(stockage) == sorted([interieur.cle_stockage, exterieur.cle_stockage])
    assert Document.objects.du_proprietaire(structure, CATEGORIE).count() == 2


def test_atelier_efface_aussi_un_depot_d_utilisateur(structure, membre, stockage):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from care_portal.documents.services import document_deposer

    with pytest.raises(RuntimeError), fabrique.atelier():
        document_deposer(fichier=SimpleUploadedFile("pssi.pdf", contenus.pdf()), acteur=membre,
                         proprietaire=structure, categorie="pssi")
        raise RuntimeError("panne après le dépôt")
    assert fichiers_stockes(stockage) == [] and not Document.tous.exists()
