"""import_ght: the DGOS list as an xlsx built with openpyxl in tmp_path."""

from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from care_portal.referentiel.imports import importer_ght
from care_portal.referentiel.models import GHT, EntiteJuridique
from tests.factories import EntiteJuridiqueFactory, EtablissementGeographiqueFactory, finess_pour

RACINE = Path(__file__).resolve().parents[2]
# As the DGOS writes them: accents, mixed case, a double space.
ENTETE = [
    "Région", "Dénomination  GHT", "Code GHT", "FINESS", "Catégorie", "Dénomination établissement",
    "Commune", "Code postal",
]


def classeur(chemin: Path, lignes: list[list], entete: list[str] = ENTETE) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "GHT"
    ws.append(["Liste des groupements hospitaliers de territoire — DGOS, mise à jour 2024"])
    ws.append([])
    ws.append(entete)
    for ligne in lignes:
        ws.append(ligne)
    wb.save(chemin)
    return chemin


def lancer(*args) -> tuple[str, CommandError | None]:
    sortie = StringIO()
    try:
        call_command("import_ght", *[str(a) for a in args], stdout=sortie, stderr=StringIO())
    except CommandError as exc:
        return sortie.getvalue(), exc
    return sortie.getvalue(), None


@pytest.fixture
def referentiel():
    """EJ of two GHT: Saint-Nazaire (44, Pays de la Loire), Bordeaux (33) and Paris (75); Ain (01)."""
    return {
        "support_na": EntiteJuridiqueFactory(dep="33", raison_sociale="CHU DE BORDEAUX"),
        "membre_na": EntiteJuridiqueFactory(dep="33", raison_sociale="CH D'ARCACHON"),
        "et_na": EtablissementGeographiqueFactory(dep="33", raison_sociale="HOPITAL SUBURBAIN DU BOUSCAT"),
        "support_idf": EntiteJuridiqueFactory(dep="75", raison_sociale="AP-HP"),
        "membre_idf": EntiteJuridiqueFactory(dep="01", raison_sociale="CH DE BOURG-EN-BRESSE"),
    }


def lignes_valides(r) -> list[list]:
    return [
        ["NOUVELLE AQUITAINE", "GHT Alliance de Gironde", "NA-04", r["support_na"].finess,
         "Etablissement support", "CHU DE BORDEAUX", "BORDEAUX", "33000"],
        ["Nouvelle-Aquitaine", "GHT Alliance de Gironde", "NA-04", r["membre_na"].finess,
         "Etablissement partie", "CH D'ARCACHON", "LA TESTE-DE-BUCH", "33260"],
        # An ET number: stands for its EJ.
        ["NOUVELLE AQUITAINE", "GHT ALLIANCE DE GIRONDE", "NA-04", r["et_na"].finess,
         "Etablissement partie", "HOPITAL SUBURBAIN", "LE BOUSCAT", "33110"],
        ["ILE DE FRANCE", "GHT Paris Psychiatrie", "IDF-01", r["support_idf"].finess,
         "SUPPORT", "AP-HP", "PARIS", "75004"],
        # Typed as a number in Excel: the leading zero is gone.
        ["ARS Île-de-France", "GHT Paris Psychiatrie", "IDF-01", int(r["membre_idf"].finess),
         "Partie", "CH DE BOURG", "BOURG", "01000"],
    ]


@pytest.mark.django_db
def test_import_cree_les_ght_leurs_membres_et_leur_support(tmp_path, referentiel):
    r = referentiel
    assert r["membre_idf"].finess.startswith("0")
    chemin = classeur(tmp_path / "ght.xlsx", lignes_valides(r))

    sortie, erreur = lancer(chemin)

    assert erreur is None, sortie
    assert "2 créé(s)" in sortie and "5 ajouté(s)" in sortie
    na = GHT.objects.get(code="NA-04")
    assert (na.nom, na.region.nom) == ("GHT Alliance de Gironde", "Nouvelle-Aquitaine")
    assert na.support == r["support_na"]
    assert set(na.membres.all()) == {r["support_na"], r["membre_na"], r["et_na"].entite_juridique}
    idf = GHT.objects.get(code="IDF-01")
    assert (idf.region.nom, idf.support) == ("Île-de-France", r["support_idf"])
    assert set(idf.membres.all()) == {r["support_idf"], r["membre_idf"]}


@pytest.mark.django_db
def test_reimport_idempotent_puis_mise_a_jour(tmp_path, referentiel):
    r = referentiel
    chemin = classeur(tmp_path / "ght.xlsx", lignes_valides(r))
    importer_ght(chemin)
    membres_avant = GHT.membres.through.objects.count()

    second = importer_ght(chemin)

    assert (second.ght_crees, second.ght_mis_a_jour, second.ght_inchanges) == (0, 0, 2)
    assert (second.membres_ajoutes, second.membres_existants, second.rejetes) == (0, 5, 0)
    assert GHT.membres.through.objects.count() == membres_avant == 5
    assert GHT.objects.count() == 2

    lignes = lignes_valides(r)
    for ligne in lignes[3:]:
        ligne[1] = "GHT Psychiatrie Paris"
    lignes[3][4], lignes[4][4] = "Partie", "Etablissement SUPPORT"  # the support changes hands
    troisieme = importer_ght(classeur(tmp_path / "ght2.xlsx", lignes))

    assert (troisieme.ght_crees, troisieme.ght_mis_a_jour, troisieme.ght_inchanges) == (0, 1, 1)
    idf = GHT.objects.get(code="IDF-01")
    assert (idf.nom, idf.support) == ("GHT Psychiatrie Paris", r["membre_idf"])
    assert GHT.membres.through.objects.count() == 5


@pytest.mark.django_db
def test_membres_existants_conserves_et_support_garde_sans_ligne_support(tmp_path, referentiel):
    r = referentiel
    ancien = EntiteJuridiqueFactory(dep="33")
    ght = GHT.objects.create(
        code="NA-04", nom="GHT Alliance de Gironde", region=ancien.departement.region, support=r["support_na"]
    )
    ght.membres.add(ancien, r["support_na"])
    lignes = [ligne for ligne in lignes_valides(r) if ligne[2] == "NA-04"]
    lignes[0][4] = "Etablissement partie"  # no support row in this file

    rapport = importer_ght(classeur(tmp_path / "ght.xlsx", lignes))

    na = GHT.objects.get(code="NA-04")
    assert na.support == r["support_na"]
    assert ancien in na.membres.all()
    assert (rapport.ght_crees, rapport.ght_inchanges, rapport.membres_ajoutes, rapport.membres_existants) == (
        0, 1, 2, 1,
    )


@pytest.mark.django_db
def test_lignes_invalides_rejetees_le_reste_importe(tmp_path, referentiel):
    r = referentiel
    valide = r["membre_na"].finess
    mauvaise_cle = valide[:-1] + str((int(valide[-1]) + 1) % 10)
    inconnu = finess_pour("33", 999_001)
    lignes = lignes_valides(r)[:2] + [
        ["NOUVELLE AQUITAINE", "GHT Alliance de Gironde", "", valide, "Partie", "", "", ""],        # 6
        ["NOUVELLE AQUITAINE", "GHT Alliance de Gironde", "NA-04", mauvaise_cle, "Partie"],        # 7
        ["NOUVELLE AQUITAINE", "GHT Alliance de Gironde", "NA-04", valide, "Partie", "", "", ""],  # 8
        ["ATLANTIDE", "GHT Perdu", "ZZ-01", r["support_idf"].finess, "Support"],                   # 9
        ["NOUVELLE AQUITAINE", "GHT Alliance de Gironde", "NA-04", inconnu, "Partie"],             # 10
        ["NOUVELLE AQUITAINE", "GHT Alliance de Gironde", "NA-04", "", "Partie"],                  # 11
        ["OCCITANIE", "GHT Alliance de Gironde", "NA-04", r["support_idf"].finess, "Partie"],      # 12
        ["NOUVELLE AQUITAINE", "GHT Alliance de Gironde", "NA-04", r["support_idf"].finess, "Support"],  # 13
        [None, None, None, None, None],                                                           # blank
        ["ILE DE FRANCE", "GHT Inconnu", "IDF-99", inconnu, "Support"],                            # 15
    ]
    chemin = classeur(tmp_path / "ght.xlsx", lignes)

    sortie, erreur = lancer(chemin)

    assert erreur is not None and "9 ligne(s) rejetée(s)" in str(erreur)
    attendus = {
        6: "code GHT absent",
        7: "clé de contrôle ne correspond pas",
        8: f"membre {valide} en double pour le GHT NA-04",
        9: "région « ATLANTIDE » inconnue",
        10: f"FINESS {inconnu} inconnu du référentiel : importez d'abord le fichier FINESS",
        11: "Le numéro FINESS est obligatoire",
        12: "rattaché à une autre région à la ligne 4",
        13: "deuxième établissement support pour le GHT NA-04 (le premier est à la ligne 4)",
        15: f"FINESS {inconnu} inconnu du référentiel",
    }
    for numero, motif in attendus.items():
        debut = f"  ght.xlsx, ligne {numero} :"
        assert any(x.startswith(debut) and motif in x for x in sortie.splitlines()), (numero, motif, sortie)
    na = GHT.objects.get(code="NA-04")
    assert set(na.membres.all()) == {r["support_na"], r["membre_na"]}
    assert na.support == r["support_na"]
    # A GHT none of whose members is known is not created.
    assert not GHT.objects.filter(code__in=["ZZ-01", "IDF-99"]).exists()


@pytest.mark.django_db
def test_colonnes_manquantes(tmp_path, referentiel):
    entete = ["Région", "Dénomination GHT", "Numéro", "Etablissement", "Catégorie"]
    chemin = classeur(tmp_path / "ght.xlsx", [["X", "Y", "Z", "W", "V"]], entete=entete)

    _, erreur = lancer(chemin)

    assert erreur is not None
    assert str(erreur) == "Colonne(s) manquante(s) dans l'en-tête (ligne 3) : CODE GHT, FINESS."
    assert GHT.objects.count() == 0


@pytest.mark.django_db
def test_fichier_absent_ou_pas_un_classeur(tmp_path):
    _, erreur = lancer(tmp_path / "absent.xlsx")
    assert erreur is not None and str(erreur) == f"Fichier introuvable : « {tmp_path / 'absent.xlsx'} »."

    faux = tmp_path / "faux.xlsx"
    faux.write_text("REGION;CODE GHT\nBretagne;BRE-01\n", encoding="utf-8")
    _, erreur = lancer(faux)
    assert erreur is not None and str(erreur) == f"« {faux} » n'est pas un classeur Excel (.xlsx) lisible."

    csv = tmp_path / "liste.csv"
    csv.write_text("REGION;CODE GHT\n", encoding="utf-8")
    _, erreur = lancer(csv)
    assert erreur is not None and "n'est pas un classeur Excel" in str(erreur)

    vide = openpyxl.Workbook()
    vide.active.append(["rien", "ici"])
    vide.save(tmp_path / "vide.xlsx")
    _, erreur = lancer(tmp_path / "vide.xlsx")
    assert erreur is not None and str(erreur).startswith("En-tête introuvable")


def test_pas_un_classeur_code_de_sortie_sans_trace(tmp_path):
    faux = tmp_path / "faux.xlsx"
    faux.write_bytes(b"PK\x03\x04 pas vraiment un zip")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "care_portal.settings.test", "CARE_VAR_DIR": str(tmp_path)}
    resultat = subprocess.run(
        [sys.executable, "manage.py", "import_ght", str(faux)],
        cwd=RACINE, env=env, capture_output=True, text=True, timeout=120,
    )
    assert resultat.returncode != 0
    assert "Traceback" not in resultat.stderr
    assert resultat.stderr.strip().splitlines() == [
        f"CommandError: « {faux} » n'est pas un classeur Excel (.xlsx) lisible."
    ]


@pytest.mark.django_db
def test_rapport_csv(tmp_path, referentiel):
    lignes = lignes_valides(referentiel) + [["BRETAGNE", "GHT Brocéliande", "BRE-01", "123", "Partie"]]
    rapport = tmp_path / "rejets.csv"

    _, erreur = lancer(classeur(tmp_path / "ght.xlsx", lignes), "--rapport", rapport)

    assert erreur is not None and "1 ligne(s) rejetée(s)" in str(erreur)
    contenu = rapport.read_text(encoding="utf-8-sig").splitlines()
    assert contenu[0] == "fichier;ligne;motif"
    assert contenu[1].startswith("ght.xlsx;9;FINESS du membre : Le numéro FINESS « 123 » doit compter 9 car")
    assert EntiteJuridique.objects.count() == 5  # the GHT import never creates an EJ
