"""The bilan financier as an XLSX workbook (openpyxl): the template to fill, the export, the import.

The sheet « Bilan » has one header row with exactly ``COLONNES`` (in that order), then one cost per
row. The sheet « Aide » lists the objectives that apply to the structure, the categories and the
period. The export is the template filled with the declaration's lines: importing an export into an
empty bilan gives the same bilan (round trip).

``lire(contenu, contexte)`` never writes: it returns the valid lines and the errors, each error
naming its row (« Ligne 5 : … »). A file whose header is wrong, that is not an XLSX, or that has no
row is refused as a whole. Formulas, merged cells, text in an amount column, negative amounts, more
than 2 decimals, dates outside the period and objectives that do not apply are refused row by row;
the view then imports nothing unless the user confirms importing the valid rows. Before openpyxl
parses it, the file passes the shared gate ``care_portal.core.fichiers`` (size, zip bomb, DTD and
entities, cell and row counts, streamed row limit): a hostile file is refused in French, cheaply.
"""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass, field
from decimal import Decimal

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from care_portal.core import fichiers
from care_portal.core.exports import cellules_xlsx

from . import bilan
from .models import Categorie

FEUILLE = "Bilan"
FEUILLE_AIDE = "Aide"
COLONNES = ["Objectif", "Catégorie", "Libellé", "Fournisseur ou personnel", "Date", "Montant HT (€)",
            "Montant TTC (€)"]
CHAMPS = ["objectif", "categorie", "libelle", "fournisseur", "date", "montant_ht", "montant_ttc"]
COLONNES_MONTANT = {"montant_ht", "montant_ttc"}
#: the prefix of ``bilan.valider_ligne``'s messages for each field
PREFIXES = {"objectif": "Objectif", "categorie": "Catégorie", "libelle": "Libellé",
            "fournisseur": "Fournisseur ou personnel", "date": "Date", "montant_ht": "Montant HT",
            "montant_ttc": "Montant TTC"}
LARGEURS = [12, 40, 45, 35, 13, 17, 17]
LIGNES_MAX = 2000
#: what an uploaded bilan may weigh: the template filled with 2,000 rows is ~150 KB
LIMITES = fichiers.Limites(taille_max=5 * 1024 * 1024, lignes_max=LIGNES_MAX, decompresse_max=20 * 1024 * 1024)
TYPE_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class Resultat:
    lignes: list[bilan.LigneSaisie] = field(default_factory=list)
    erreurs: list[str] = field(default_factory=list)  # « Ligne n : … » or a whole-file error
    fichier_refuse: bool = False
    lignes_lues: int = 0

    @property
    def lignes_en_erreur(self) -> int:
        return len({e.split(" : ", 1)[0] for e in self.erreurs if e.startswith("Ligne ")})


# --- writing -----------------------------------------------------------------------------------------

def _classeur(contexte: bilan.Contexte) -> tuple[Workbook, object]:
    wb = Workbook()
    ws = wb.active
    ws.title = FEUILLE
    ws.append(COLONNES)
    for cellule in ws[1]:
        cellule.font = Font(bold=True, color="FFFFFF")
        cellule.fill = PatternFill("solid", fgColor="000091")
    for i, largeur in enumerate(LARGEURS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = largeur
    ws.freeze_panes = "A2"
    aide = wb.create_sheet(FEUILLE_AIDE)
    aide.append(["Objectifs applicables à la structure"])
    for code, titre in contexte.objectifs.items():
        aide.append(cellules_xlsx([code, titre]))
    aide.append([])
    aide.append(["Catégories"])
    for _code, libelle in Categorie.choices:
        aide.append([libelle])
    aide.append([])
    aide.append([f"Période des coûts éligibles : du {contexte.debut:%d/%m/%Y} à la date de la déclaration."])
    aide.append(["Montants en euros, 2 décimales au plus, positifs ; le TTC n'est pas inférieur au HT. "
                 "Saisissez des valeurs, pas de formules ; ne fusionnez pas de cellules."])
    aide.column_dimensions["A"].width = 14
    aide.column_dimensions["B"].width = 80
    # drop-down lists (a help, not a check: the import checks every cell)
    n_obj = len(contexte.objectifs)
    if n_obj:
        liste = DataValidation(type="list", formula1=f"={FEUILLE_AIDE}!$A$2:$A${1 + n_obj}", allow_blank=True)
        ws.add_data_validation(liste)
        liste.add(f"A2:A{LIGNES_MAX + 1}")
    debut_cat = n_obj + 4
    categories = DataValidation(type="list", allow_blank=True,
                                formula1=f"={FEUILLE_AIDE}!$A${debut_cat}:$A${debut_cat + len(Categorie.choices) - 1}")
    ws.add_data_validation(categories)
    categories.add(f"B2:B{LIGNES_MAX + 1}")
    return wb, ws


def _octets(wb: Workbook) -> bytes:
    sortie = io.BytesIO()
    wb.save(sortie)
    return sortie.getvalue()


def modele(contexte: bilan.Contexte) -> bytes:
    """The empty template for a structure (its objectives, the period)."""
    wb, _ = _classeur(contexte)
    return _octets(wb)


def exporter(lignes, contexte: bilan.Contexte) -> bytes:
    """The template filled with ``lignes`` (LigneBilan or LigneSaisie)."""
    wb, ws = _classeur(contexte)
    libelles = dict(Categorie.choices)
    for ligne in lignes:
        code = ligne.objectif if isinstance(ligne.objectif, str) else ligne.objectif.code
        # free text typed by the ES (``=HYPERLINK(…)``) reaches the ARS as text, never as a formula
        ws.append(cellules_xlsx([code, libelles[ligne.categorie], ligne.libelle, ligne.fournisseur, ligne.date,
                                 Decimal(ligne.montant_ht), Decimal(ligne.montant_ttc)]))
        n = ws.max_row
        ws.cell(n, 5).number_format = "DD/MM/YYYY"
        ws.cell(n, 6).number_format = ws.cell(n, 7).number_format = "#,##0.00"
    return _octets(wb)


# --- reading ------------------------------------------------------------------------------------------

def _normaliser(valeur) -> str:
    return " ".join(str(valeur or "").split()).lower()


def lire(contenu: bytes, contexte: bilan.Contexte) -> Resultat:
    """Read an uploaded workbook; see the module docstring. Never raises for a bad file."""
    r = Resultat()
    try:
        # Checked and streamed first (size, zip bomb, DTD, row count): only a small, plain workbook
        # reaches the full load below, which the merged cells need.
        fichiers.lignes_xlsx(contenu, LIMITES, feuille=FEUILLE, valeurs_calculees=False)
    except fichiers.FichierRefuse as exc:
        r.fichier_refuse = True
        r.erreurs.append(f"{exc.message} Partez du modèle à télécharger.")
        return r
    try:
        wb = load_workbook(io.BytesIO(contenu), data_only=False)
    except Exception:  # noqa: BLE001 — a malformed part must end in a French refusal, never a 500
        r.fichier_refuse = True
        r.erreurs.append("Le fichier n'est pas un classeur Excel (.xlsx) lisible : partez du modèle à télécharger.")
        return r
    ws = wb[FEUILLE] if FEUILLE in wb.sheetnames else wb.worksheets[0]
    entete = [ws.cell(1, i).value for i in range(1, max(ws.max_column, len(COLONNES)) + 1)]
    while entete and entete[-1] in (None, ""):
        entete.pop()
    if [_normaliser(v) for v in entete] != [_normaliser(v) for v in COLONNES]:
        r.fichier_refuse = True
        r.erreurs.append("Les colonnes du fichier ne sont pas celles du modèle : la première ligne doit être « "
                         + " | ".join(COLONNES) + " » (trouvé : « "
                         + " | ".join(str(v) if v is not None else "(vide)" for v in entete) + " »).")
        return r
    fusions: dict[int, list[str]] = {}
    for plage in ws.merged_cells.ranges:
        for ligne in range(plage.min_row, plage.max_row + 1):
            fusions.setdefault(ligne, []).append(str(plage.coord))
    if ws.max_row - 1 > LIGNES_MAX:
        r.fichier_refuse = True
        r.erreurs.append(f"Le fichier compte {ws.max_row - 1} lignes : {LIGNES_MAX} au plus.")
        return r
    for n in range(2, ws.max_row + 1):
        cellules = [ws.cell(n, i) for i in range(1, len(COLONNES) + 1)]
        if all(c.value is None or (isinstance(c.value, str) and not c.value.strip()) for c in cellules) \
                and n not in fusions:
            continue
        r.lignes_lues += 1
        erreurs: list[str] = []
        if n in fusions:
            erreurs.append(f"cellules fusionnées ({', '.join(sorted(set(fusions[n])))}) : défusionnez-les et "
                           "saisissez une valeur par cellule.")
        brut: dict = {}
        ecartes: set[str] = set()  # cells already reported (formula, text): not reported twice
        for champ, colonne, cellule in zip(CHAMPS, COLONNES, cellules, strict=True):
            valeur = cellule.value
            if cellule.data_type == "f" or (isinstance(valeur, str) and valeur.startswith("=")):
                erreurs.append(f"{colonne} ({cellule.coordinate}) contient une formule : saisissez la valeur.")
                valeur = None
                ecartes.add(PREFIXES[champ])
            elif champ in COLONNES_MONTANT and isinstance(valeur, str):
                erreurs.append(f"{colonne} ({cellule.coordinate}) contient du texte (« {valeur.strip()} ») : "
                               "saisissez un nombre.")
                valeur = None
                ecartes.add(PREFIXES[champ])
            brut[champ] = valeur
        saisie, autres = bilan.valider_ligne(brut, contexte)
        erreurs += [e for e in autres if e.split(" : ", 1)[0] not in ecartes]
        if erreurs:
            r.erreurs += [f"Ligne {n} : {e}" for e in erreurs]
        else:
            r.lignes.append(saisie)
    if r.lignes_lues == 0:
        r.fichier_refuse = True
        r.erreurs.append("Le fichier ne contient aucune dépense sous la ligne des titres.")
    return r


def nom_export(finess: str, jour: datetime.date) -> str:
    return f"bilan-financier-{finess}-{jour:%Y%m%d}.xlsx"
