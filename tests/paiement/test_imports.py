"""Importing a ceiling table from CSV or XLSX (service and management command): a good file gives a
new version; every bad case gives per-row French errors and imports nothing."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from candidatures.regles import TypeCandidature as T
from paiement import services
from paiement.imports import lire_plafonds
from paiement.models import GrilleMontantsPlafonds, LignePlafond
from tests.factories import AppelFactory

from .donnees import csv_de, xlsx_de

pytestmark = pytest.mark.django_db
D = Decimal

BON = [
    ("ght", "0", "1 000 000", "250 000,00"),
    ("GHT", "1000000", "", "450000.00"),
    ("ES public hors GHT", "0", "", "180000"),
    ("prive_ebnl", "0", "", "100 000"),
    ("prive_lucratif", "0", "50000", "40000,5"),
]


def importer(appel, contenu: bytes, nom: str, **kwargs):
    return services.grille_importer(appel=appel, contenu=contenu, nom_fichier=nom, acteur=None, **kwargs)


def erreurs(contenu: bytes, nom: str = "matrice.csv") -> list[str]:
    appel = AppelFactory()
    with pytest.raises(services.MatricePlafondsInvalide) as exc:
        importer(appel, contenu, nom)
    assert "rien n'a été importé" in exc.value.message
    assert not GrilleMontantsPlafonds.objects.exists() and not LignePlafond.objects.exists()
    return exc.value.erreurs


def test_bon_fichier_csv():
    appel = AppelFactory()
    g = importer(appel, csv_de(BON), "matrice.csv", illustrative=True)
    assert g.version == 1 and g.illustrative and g.source == "Import du fichier « matrice.csv »"
    rangees = list(g.lignes.order_by("type_structure", "activite_min")
                   .values_list("type_structure", "activite_min", "activite_max", "montant"))
    assert (T.GHT, D("0.00"), D("1000000.00"), D("250000.00")) in rangees
    assert (T.GHT, D("1000000.00"), None, D("450000.00")) in rangees
    assert (T.PUBLIC_HORS_GHT, D("0.00"), None, D("180000.00")) in rangees
    assert (T.PRIVE_LUCRATIF, D("0.00"), D("50000.00"), D("40000.50")) in rangees
    # a second import is a new version
    assert importer(appel, csv_de(BON, sep=","), "matrice.csv").version == 2


def test_bon_fichier_csv_windows_avec_libelles_francais():
    contenu = ("Type de structure;Activité min (incluse);Activité max (exclue);Montant plafond (€)\n"
               "ES privé à but lucratif;0;;20000\n").encode("cp1252")
    g = importer(AppelFactory(), contenu, "matrice.csv")
    assert list(g.lignes.values_list("type_structure", "montant")) == [(T.PRIVE_LUCRATIF, D("20000.00"))]


def test_bon_fichier_xlsx_avec_nombres():
    rangees = [("ght", 0, 1000000, 250000), ("ght", 1000000, None, 450000.5), ("prive_ebnl", 0, None, "100000")]
    g = importer(AppelFactory(), xlsx_de(rangees), "matrice.xlsx")
    assert g.lignes.count() == 3
    assert g.lignes.get(activite_min=D("1000000")).montant == D("450000.50")


@pytest.mark.parametrize("format_", ["csv", "xlsx"])
def test_mauvaises_colonnes(format_):
    entete = ["type", "activite_min", "plafond_max", "euros"]
    contenu = csv_de(BON, entete=entete) if format_ == "csv" else xlsx_de(BON, entete=entete)
    (erreur,) = erreurs(contenu, f"matrice.{format_}")
    assert erreur.startswith("Les colonnes du fichier ne sont pas celles attendues")
    assert "« Activité max (exclue) », « Montant plafond (€) »" in erreur
    assert "colonnes inattendues : « plafond_max », « euros »" in erreur


@pytest.mark.parametrize("format_", ["csv", "xlsx"])
def test_texte_dans_un_montant(format_):
    rangees = [*BON[:2], ("prive_ebnl", "0", "", "cent mille"), ("prive_lucratif", "douze", "", "1")]
    contenu = csv_de(rangees) if format_ == "csv" else xlsx_de(rangees)
    assert erreurs(contenu, f"matrice.{format_}") == [
        "Ligne 4 : le montant plafond « cent mille » n'est pas un nombre.",
        "Ligne 5 : l'activité minimale « douze » n'est pas un nombre.",
    ]


@pytest.mark.parametrize("format_", ["csv", "xlsx"])
def test_montant_negatif(format_):
    rangees = [*BON[:2], ("prive_ebnl", 0, None, -100)]
    contenu = csv_de(rangees) if format_ == "csv" else xlsx_de(rangees)
    assert erreurs(contenu, f"matrice.{format_}") == ["Ligne 4 : le montant plafond ne peut pas être négatif (-100)."]


@pytest.mark.parametrize("format_", ["csv", "xlsx"])
def test_lignes_qui_se_chevauchent(format_):
    rangees = [*BON, ("ght", "500000", "2000000", "300000")]
    contenu = csv_de(rangees) if format_ == "csv" else xlsx_de(rangees)
    assert erreurs(contenu, f"matrice.{format_}") == [
        "Lignes 2 et 7 : les tranches « GHT » de 0 à 1 000 000 et de 500 000 à 2 000 000 se chevauchent.",
        "Lignes 7 et 3 : les tranches « GHT » de 500 000 à 2 000 000 et à partir de 1 000 000 se chevauchent.",
    ]


@pytest.mark.parametrize("format_", ["csv", "xlsx"])
def test_type_inconnu(format_):
    rangees = [*BON, ("clinique", "0", "", "1000"), ("", "0", "", "1000")]
    contenu = csv_de(rangees) if format_ == "csv" else xlsx_de(rangees)
    assert erreurs(contenu, f"matrice.{format_}") == [
        "Ligne 7 : type de structure « clinique » inconnu ; valeurs admises : ght, public_hors_ght, prive_ebnl, "
        "prive_lucratif.",
        "Ligne 8 : le type de structure est obligatoire.",
    ]


def test_autres_refus():
    assert erreurs(b"") == ["Le fichier est vide."]
    assert erreurs(csv_de([])) == ["Le fichier ne contient aucune ligne de plafond sous l'en-tête."]
    assert erreurs(b"PK\x03\x04pas un classeur", "matrice.xlsx") == [
        "Le fichier ne peut pas être lu : vérifiez qu'il s'agit bien d'un fichier .csv ou .xlsx."]
    assert erreurs(csv_de(BON), "matrice.pdf") == [
        "Format de fichier non pris en charge : importez un fichier .csv ou .xlsx."]
    assert erreurs(csv_de([("ght", "0", "", "1,005"), ("prive_ebnl", "10", "5", "1")])) == [
        "Ligne 2 : le montant plafond a plus de 2 décimales (1,005).",
        "Ligne 3 : l'activité maximale (5) doit être supérieure à l'activité minimale (10).",
    ]


def test_lecture_pure_ignore_les_lignes_vides():
    r = lire_plafonds(csv_de([BON[0], ("", "", "", ""), BON[1]]), "m.csv")
    assert r.ok and [ligne.numero for ligne in r.lignes] == [2, 3]


# --- the management command ----------------------------------------------------------------------------

def test_commande_import_plafonds(tmp_path, capsys):
    appel = AppelFactory(code="care-d1-essai", candidature_debut=datetime.date(2024, 1, 10))
    f = tmp_path / "matrice.xlsx"
    f.write_bytes(xlsx_de(BON))
    call_command("import_plafonds", str(f), "--appel", "care-d1-essai", "--illustratif",
                 "--en-vigueur-le", "2024-06-10")
    assert "Version 1 de la matrice des montants plafonds de « care-d1-essai » importée : 5\u00a0lignes, en vigueur " \
           "à partir du 10/06/2024, montants indicatifs." in capsys.readouterr().out
    g = GrilleMontantsPlafonds.objects.get(appel=appel)
    assert g.illustrative and g.en_vigueur_le.isoformat() == "2024-06-10" and g.lignes.count() == 5


def test_commande_refus(tmp_path, capsys):
    AppelFactory(code="care-d1-essai")
    f = tmp_path / "matrice.csv"
    f.write_bytes(csv_de([*BON, ("clinique", "0", "", "-3")]))
    with pytest.raises(CommandError, match="comporte 2 erreur"):
        call_command("import_plafonds", str(f), "--appel", "care-d1-essai")
    err = capsys.readouterr().err
    assert "Ligne 7 : type de structure « clinique » inconnu" in err and "Ligne 7 : le montant plafond ne peut" in err
    assert not GrilleMontantsPlafonds.objects.exists()
    with pytest.raises(CommandError, match="Appel à financement « inconnu » inconnu. Appels existants : "):
        call_command("import_plafonds", str(f), "--appel", "inconnu")
    with pytest.raises(CommandError, match="Impossible de lire le fichier"):
        call_command("import_plafonds", str(tmp_path / "absent.csv"), "--appel", "care-d1-essai")
