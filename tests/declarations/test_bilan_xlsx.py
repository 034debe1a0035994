"""The bilan's XLSX: the template, the export, the round trip (export then import gives the same
bilan), and each bad file of issue 7 — every error names its row, nothing is imported from a bad
file unless the valid part is confirmed (views), a wrong file is refused as a whole."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from declarations import bilan, bilan_xlsx, selectors, services
from declarations.bilan_xlsx import COLONNES, lire

from .donnees import ajouter, jours, xlsx

CONTEXTE = bilan.Contexte(debut=datetime.date(2023, 1, 1), fin=datetime.date(2025, 3, 28),
                          objectifs={"D1.O1.A": "Audits AD", "D1.O3": "Exercice de crise"})
BONNE = ["D1.O1.A", "Coûts externes (prestations)", "Audit ORADAD", "Cyber Conseil", datetime.date(2024, 5, 2),
         1000.5, 1200.6]


def test_modele_a_l_entete_et_l_aide():
    wb = load_workbook(io.BytesIO(bilan_xlsx.modele(CONTEXTE)))
    assert [c.value for c in wb["Bilan"][1]] == COLONNES
    aide = [r[0] for r in wb["Aide"].iter_rows(values_only=True)]
    assert "D1.O1.A" in aide and "D1.O3" in aide and "Coûts indirects (licences, mises à niveau…)" in aide
    assert wb["Bilan"].max_row == 1


def test_lecture_d_un_fichier_valide():
    r = lire(xlsx([BONNE, ["d1.o3", "interne_rh", "Préparation de l'exercice", "Équipe DSI", "15/11/2024", 300,
                           300]]), CONTEXTE)
    assert not r.erreurs and r.lignes_lues == 2
    premiere, seconde = r.lignes
    assert premiere.montant_ht == Decimal("1000.50") and premiere.montant_ttc == Decimal("1200.60")
    assert premiere.categorie == "externe_prestations" and premiere.date == datetime.date(2024, 5, 2)
    assert seconde.objectif == "D1.O3" and seconde.categorie == "interne_rh" and seconde.montant_ht == Decimal("300.00")


def test_lignes_vides_ignorees():
    r = lire(xlsx([BONNE, [None] * 7, BONNE]), CONTEXTE)
    assert len(r.lignes) == 2 and not r.erreurs


@pytest.mark.parametrize(("entete", "attendu"), [
    (COLONNES[:-1], "Les colonnes du fichier ne sont pas celles du modèle"),
    ([*COLONNES[:5], "Montant TTC (€)", "Montant HT (€)"], "Les colonnes du fichier ne sont pas celles du modèle"),
    (["Code", *COLONNES[1:]], "trouvé : « Code"),
])
def test_mauvaises_colonnes_refusent_le_fichier(entete, attendu):
    r = lire(xlsx([BONNE], entete=entete), CONTEXTE)
    assert r.fichier_refuse and not r.lignes and attendu in r.erreurs[0]


def test_pas_un_classeur():
    r = lire(b"objectif;categorie\nD1.O1.A;interne\n", CONTEXTE)
    assert r.fichier_refuse and "n'est pas un classeur Excel" in r.erreurs[0]


def test_aucune_ligne():
    r = lire(xlsx([]), CONTEXTE)
    assert r.fichier_refuse and "aucune dépense" in r.erreurs[0]


def test_formule_refusee_ligne_par_ligne():
    formule = [*BONNE[:5], "=500+500.5", 1200.6]
    r = lire(xlsx([BONNE, formule]), CONTEXTE)
    assert len(r.lignes) == 1
    assert r.erreurs == ["Ligne 3 : Montant HT (€) (F3) contient une formule : saisissez la valeur."]


def test_cellules_fusionnees():
    r = lire(xlsx([BONNE, BONNE, BONNE], preparer=lambda ws: ws.merge_cells("C3:D3")), CONTEXTE)
    assert len(r.lignes) == 2
    assert len(r.erreurs) >= 1 and all(e.startswith("Ligne 3 : ") for e in r.erreurs)
    assert "cellules fusionnées (C3:D3)" in r.erreurs[0]


def test_texte_dans_un_montant():
    r = lire(xlsx([[*BONNE[:6], "mille deux cents"]]), CONTEXTE)
    assert not r.lignes
    assert r.erreurs == ["Ligne 2 : Montant TTC (€) (G2) contient du texte (« mille deux cents ») : saisissez un "
                         "nombre."]


@pytest.mark.parametrize(("rang", "attendu"), [
    ([*BONNE[:5], -10, 1200], "Ligne 2 : Montant HT : le montant ne peut pas être négatif (-10)."),
    ([*BONNE[:5], 10.123, 12], "Ligne 2 : Montant HT : 10.123 a plus de 2 décimales"),
    ([*BONNE[:4], datetime.date(2022, 12, 31), 10, 12], "Ligne 2 : Date : le 31/12/2022 est hors de la période"),
    ([*BONNE[:4], datetime.date(2025, 3, 29), 10, 12], "Ligne 2 : Date : le 29/03/2025 est hors de la période"),
    (["D1.O6.A", *BONNE[1:]], "Ligne 2 : Objectif : D1.O6.A ne s'applique pas à cette structure"),
    ([BONNE[0], "Repas", *BONNE[2:]], "Ligne 2 : Catégorie : « Repas » n'est pas une catégorie"),
    ([*BONNE[:5], 100, 90], "Ligne 2 : Montant TTC : 90.00 € est inférieur au montant HT (100.00 €)."),
])
def test_ligne_en_erreur(rang, attendu):
    r = lire(xlsx([BONNE, rang, BONNE]), CONTEXTE)
    r2 = lire(xlsx([rang]), CONTEXTE)
    assert len(r.lignes) == 2 and not r2.lignes
    assert any(e.startswith(attendu.replace("Ligne 2", "Ligne 3")) for e in r.erreurs), r.erreurs
    assert any(e.startswith(attendu) for e in r2.erreurs), r2.erreurs


def test_toutes_les_erreurs_d_une_ligne():
    r = lire(xlsx([["D1.O9", "?", "", "", "hier", -1, "x"]]), CONTEXTE)
    debuts = {e.split(" : ")[1] for e in r.erreurs}
    assert debuts == {"Objectif", "Catégorie", "Libellé", "Fournisseur ou personnel", "Date", "Montant HT",
                      "Montant TTC (€) (G2) contient du texte (« x »)"}
    assert r.lignes_en_erreur == 1


@pytest.mark.django_db
def test_aller_retour_export_puis_import(declaration):
    d, referent, _ = declaration
    ajouter(d, referent, montant_ht="1234567.89", montant_ttc="1481481.47")
    ajouter(d, referent, objectif="D1.O3", categorie="interne_rh", libelle="Temps RSSI — préparation",
            fournisseur="R. Benali", date=jours(-400), montant_ht="0.01", montant_ttc="0.01")
    ajouter(d, referent, objectif="D1.O4", categorie="indirect", libelle="Licence", fournisseur="Éditeur ; « SA »",
            date=d.candidature.appel.couts_eligibles_depuis, montant_ht="99.90", montant_ttc="119.88")

    def etat():
        return sorted((x.objectif.code, x.categorie, x.libelle, x.fournisseur, x.date, x.montant_ht, x.montant_ttc)
                      for x in selectors.lignes_de(d))

    avant, totaux_avant = etat(), selectors.totaux_de(d).en_json()
    export = bilan_xlsx.exporter(selectors.lignes_de(d), selectors.contexte_bilan(d))
    r = lire(export, selectors.contexte_bilan(d))
    assert not r.erreurs and len(r.lignes) == 3
    services.lignes_importer(declaration=d, acteur=referent, lignes=r.lignes, remplacer=True, nom_fichier="x.xlsx")
    assert etat() == avant and selectors.totaux_de(d).en_json() == totaux_avant
    # a second export is the same workbook content
    wb1 = load_workbook(io.BytesIO(export))["Bilan"]
    wb2 = load_workbook(io.BytesIO(bilan_xlsx.exporter(selectors.lignes_de(d), selectors.contexte_bilan(d))))["Bilan"]
    assert sorted(wb1.iter_rows(values_only=True)) == sorted(wb2.iter_rows(values_only=True))
