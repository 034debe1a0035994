"""The shared gate for uploaded spreadsheets (care_portal/core/fichiers.py): each ceiling, one by one.
The hostile corpus through every import view is in tests/securite/."""

from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import Workbook

from care_portal.core import fichiers
from tests.securite import corpus

PETITES = fichiers.Limites(taille_max=100_000, lignes_max=3, colonnes_max=4, membres_max=20,
                           decompresse_max=60_000, ratio_max=50, ratio_seuil=10_000, champ_max=20)


def _classeur(lignes: list[list]) -> bytes:
    wb = Workbook()
    for ligne in lignes:
        wb.active.append(ligne)
    sortie = io.BytesIO()
    wb.save(sortie)
    return sortie.getvalue()


def _refus(fonction, *args, **kwargs) -> str:
    with pytest.raises(fichiers.FichierRefuse) as refus:
        fonction(*args, **kwargs)
    return refus.value.message


def test_un_classeur_ordinaire_est_lu_ligne_a_ligne():
    lignes = fichiers.lignes_xlsx(_classeur([["a", "b"], [1, 2], [None, None], [3, "=1+1"]]), PETITES,
                                  valeurs_calculees=False)
    assert lignes == [("a", "b"), (1, 2), (), (3, "=1+1")]


def test_lecture_arretee_a_la_limite_de_lignes():
    assert "plus de 3 lignes" in _refus(fichiers.lignes_xlsx, _classeur([["a"]] + [[i] for i in range(10)]), PETITES)


@pytest.mark.parametrize(("contenu", "motif"), [
    (b"", "vide"),
    (b"PK" + b"\0" * 200_000, "trop volumineux"),
    (corpus.PDF, "n'est pas un classeur Excel"),
    (corpus.xlsx_modifie({f"xl/media/{i}.png": b"x" for i in range(30)}), "éléments compressés"),
    (corpus.xlsx_modifie({"xl/media/a.png": b"\0" * 400_000, "xl/media/b.png": b"\0" * 9_000}),
     "taux de compression anormal"),
    (corpus.xlsx_modifie({f"xl/media/{i}.png": b"\0" * 9_000 for i in range(9)}), "décompressé est trop"),
    (corpus.xlsx_modifie({corpus.FEUILLE: corpus.feuille(b"<row><c><v>1</v></c></row>" * 20)}), "trop de cellules"),
    (corpus.xlsx_modifie({corpus.FEUILLE: corpus.feuille(b"<row/>" * 41)}), "trop de lignes, même vides"),
    (corpus.xlsx_modifie({corpus.FEUILLE: corpus.feuille(b"", prologue=corpus.RIRES)}), "(DTD)"),
    (corpus.xlsx_modifie({"xl/styles.xml": b"<!-- -->\n<!ENTITY a 'b'>"}), "(DTD)"),
    (corpus.xlsx_modifie({corpus.FEUILLE: corpus.feuille(b"").decode().encode("utf-16")}), "encodage XML"),
])
def test_xlsx_refuses_avant_analyse(contenu, motif):
    assert motif in _refus(fichiers.verifier_xlsx, contenu, PETITES)


def test_une_dtd_a_cheval_sur_deux_blocs_est_vue():
    remplissage = b" " * (64 * 1024 - 5)
    contenu = corpus.xlsx_modifie({"xl/styles.xml": b"<?xml version='1.0'?>" + remplissage + b"<!DOCTYPE x>"})
    assert "(DTD)" in _refus(fichiers.verifier_xlsx, contenu, fichiers.Limites())


def test_zip_au_repertoire_menteur():
    assert "n'est pas un classeur Excel" in _refus(
        fichiers.lignes_xlsx, next(f.contenu for f in corpus.xlsx_hostiles() if f.cas == "repertoire_zip_menteur"),
        fichiers.Limites())


def test_csv_lu_avec_des_bornes():
    assert fichiers.lignes_csv("a;b\n1;é\n".encode("cp1252"), PETITES) == [["a", "b"], ["1", "é"]]
    assert fichiers.lignes_csv(b"a,b\n1,2\n", PETITES) == [["a", "b"], ["1", "2"]]
    assert "dépasse 20 caractères" in _refus(fichiers.lignes_csv, b"a;b\n" + b"x" * 21 + b";1\n", PETITES)
    assert "dépasse 20 caractères" in _refus(fichiers.lignes_csv, b'a;b\n"' + b"x" * 200_000, fichiers.Limites(
        taille_max=10**6, champ_max=20))
    assert "plus de 3 lignes" in _refus(fichiers.lignes_csv, b"a\n" * 10, PETITES)
    assert "5 colonnes, 4 au plus" in _refus(fichiers.lignes_csv, b"a;b;c;d;e\n", PETITES)
    assert "UTF-16" in _refus(fichiers.lignes_csv, "a;b\n".encode("utf-16"), PETITES)
    assert "page web" in _refus(fichiers.lignes_csv, corpus.HTML, PETITES)
    assert "PDF" in _refus(fichiers.lignes_csv, corpus.PDF, PETITES)
    assert "UTF-8" in _refus(fichiers.lignes_csv, "é".encode("latin-1"), PETITES, latin1=False)


def test_le_plafond_du_module_csv_reste_celui_du_processus():
    import csv

    avant = csv.field_size_limit()
    _refus(fichiers.lignes_csv, b"a;b\n" + b"x" * 21 + b";1\n", PETITES)
    assert csv.field_size_limit() == avant


def test_le_zip_n_est_jamais_decompresse_au_dela_de_sa_taille_declaree():
    # Python's zipfile stops at the declared size, then the CRC fails: the directory bounds the work.
    contenu = next(f.contenu for f in corpus.xlsx_hostiles() if f.cas == "repertoire_zip_menteur")
    with zipfile.ZipFile(io.BytesIO(contenu)) as z, pytest.raises(zipfile.BadZipFile):
        z.read(corpus.FEUILLE)
