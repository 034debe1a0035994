"""Reading a ceiling table from a CSV or XLSX file. Never writes: ``lire_plafonds`` returns the rows
and every error, each naming its row (« Ligne 4 : … »); ``services.grille_importer`` stores the
table only when there is no error at all (nothing is imported from a file with one bad row).

The file has one header row with the four columns ``COLONNES`` (any order, accents and case
ignored; the French labels of ``LIBELLES`` are accepted too), then one row per bracket:

    type_structure;activite_min;activite_max;montant
    ght;0;1000000;250000
    ght;1000000;;450000          ← an empty maximum: no upper bound

Types are the codes of ``candidatures.regles.TypeCandidature`` (``ght``, ``public_hors_ght``,
``prive_ebnl``, ``prive_lucratif``) or their labels. Numbers may be written « 1 000 000,50 » or
« 1000000.50 »; at most 2 decimals. CSV: UTF-8 (with or without BOM), Windows-1252 or Latin-1, ``;`` or ``,``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal

from care_portal.core import fichiers, format_fr

from .regles import LIBELLES_TYPES, LignePlafondData, verifier_lignes

COLONNES = ["type_structure", "activite_min", "activite_max", "montant"]
LIBELLES = {
    "type_structure": "Type de structure",
    "activite_min": "Activité min (incluse)",
    "activite_max": "Activité max (exclue)",
    "montant": "Montant plafond (€)",
}
ALIAS = {
    "type_structure": {"type_structure", "type", "type_de_structure", "type_candidature"},
    "activite_min": {"activite_min", "activite_min_incluse", "activite_minimale", "min"},
    "activite_max": {"activite_max", "activite_max_exclue", "activite_maximale", "max"},
    "montant": {"montant", "montant_plafond", "montant_plafond_eur", "plafond", "montant_eur"},
}
LIGNES_MAX = 1000
TAILLE_MAX = 2 * 1024 * 1024
LIMITES = fichiers.Limites(taille_max=TAILLE_MAX, lignes_max=LIGNES_MAX, colonnes_max=32,
                           decompresse_max=10 * 1024 * 1024)
LU_IMPOSSIBLE = "Le fichier ne peut pas être lu : vérifiez qu'il s'agit bien d'un fichier .csv ou .xlsx."


@dataclass
class ResultatLecture:
    lignes: list[LignePlafondData] = field(default_factory=list)
    erreurs: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.erreurs and bool(self.lignes)


def _cle(texte: str) -> str:
    """« Activité max (exclue) » → ``activite_max_exclue``."""
    sans_accents = unicodedata.normalize("NFKD", str(texte or "")).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", sans_accents.lower()).strip("_")


_TYPES = {_cle(code): code for code in LIBELLES_TYPES} | {_cle(lib): code for code, lib in LIBELLES_TYPES.items()}


def _lignes_csv(contenu: bytes) -> list[list]:
    return fichiers.lignes_csv(contenu, LIMITES)


def _lignes_xlsx(contenu: bytes) -> list[list]:
    return [list(ligne) for ligne in fichiers.lignes_xlsx(contenu, LIMITES)]


#: the largest values the columns hold (LignePlafond: max_digits 16 and 12, 2 decimals)
ACTIVITE_MAX = Decimal("99999999999999.99")
MONTANT_MAX = Decimal("9999999999.99")


def _nombre(valeur, libelle: str, *, obligatoire: bool,
            maximum: Decimal = ACTIVITE_MAX) -> tuple[Decimal | None, str | None]:
    if valeur is None or (isinstance(valeur, str) and not valeur.strip()):
        return None, (f"{libelle} est obligatoire." if obligatoire else None)
    # refuses 1e400, inf, nan and absurd values; the 2 decimals are checked below, with their own message
    nombre, raison = fichiers.nombre_decimal(valeur, decimales=None, maximum=maximum)
    if raison:
        return None, f"{libelle} {raison}."
    if nombre < 0:
        return None, f"{libelle} ne peut pas être négatif ({str(valeur).strip()})."
    if nombre != nombre.quantize(Decimal("0.01")):
        return None, f"{libelle} a plus de 2 décimales ({str(valeur).strip()})."
    return nombre.quantize(Decimal("0.01")), None


def lire_plafonds(contenu: bytes, nom_fichier: str) -> ResultatLecture:
    """The rows of a CSV or XLSX ceiling table and every error (row numbers as in the file: the
    header is row 1). A file refused as a whole (unreadable, wrong columns, empty) has one error."""
    r = ResultatLecture()
    if not contenu:
        r.erreurs.append("Le fichier est vide.")
        return r
    if len(contenu) > TAILLE_MAX:
        r.erreurs.append("Le fichier dépasse 2 Mo : une matrice des plafonds tient en quelques dizaines de lignes.")
        return r
    nom = (nom_fichier or "").lower()
    try:
        if nom.endswith(".xlsx") or contenu[:2] == b"PK":
            lignes = _lignes_xlsx(contenu)
        elif nom.endswith(".csv") or nom.endswith(".txt") or not nom:
            lignes = _lignes_csv(contenu)
        else:
            r.erreurs.append("Format de fichier non pris en charge : importez un fichier .csv ou .xlsx.")
            return r
    except fichiers.FichierRefuse as exc:
        r.erreurs.append(LU_IMPOSSIBLE if exc.message == fichiers.MESSAGE_PAS_XLSX else exc.message)
        return r
    lignes = [ligne for ligne in lignes if any(c is not None and str(c).strip() for c in ligne)]
    if not lignes:
        r.erreurs.append("Le fichier est vide.")
        return r
    entete = [_cle(c) for c in lignes[0]]
    positions: dict[str, int] = {}
    for i, cle in enumerate(entete):
        for colonne, alias in ALIAS.items():
            if cle in alias and colonne not in positions:
                positions[colonne] = i
    inconnues = [str(c) for c, cle in zip(lignes[0], entete, strict=False)
                 if cle and not any(cle in alias for alias in ALIAS.values())]
    manquantes = [LIBELLES[c] for c in COLONNES if c not in positions]
    if manquantes or inconnues:
        detail = []
        if manquantes:
            detail.append(f"colonne{format_fr.s(len(manquantes))} manquante{format_fr.s(len(manquantes))} : " + ", ".join(f"« {m} »" for m in manquantes))
        if inconnues:
            detail.append(f"colonne{format_fr.s(len(inconnues))} inattendue{format_fr.s(len(inconnues))} : " + ", ".join(f"« {c} »" for c in inconnues))
        r.erreurs.append("Les colonnes du fichier ne sont pas celles attendues (" + " ; ".join(detail) + "). "
                         "Colonnes attendues : " + ", ".join(COLONNES) + ".")
        return r
    if len(lignes) - 1 > LIGNES_MAX:
        r.erreurs.append(f"Le fichier compte plus de {LIGNES_MAX} lignes : ce n'est pas une matrice des plafonds.")
        return r
    if len(lignes) == 1:
        r.erreurs.append("Le fichier ne contient aucune ligne de plafond sous l'en-tête.")
        return r

    def cellule(ligne: list, colonne: str):
        i = positions[colonne]
        return ligne[i] if i < len(ligne) else None

    for numero, ligne in enumerate(lignes[1:], start=2):
        erreurs = []
        brut = cellule(ligne, "type_structure")
        type_structure = _TYPES.get(_cle(brut)) if brut is not None else None
        if type_structure is None:
            vu = str(brut).strip() if brut is not None else ""
            erreurs.append(f"type de structure « {vu} » inconnu ; valeurs admises : " + ", ".join(LIBELLES_TYPES) + "."
                           if vu else "le type de structure est obligatoire.")
        mini, e1 = _nombre(cellule(ligne, "activite_min"), "l'activité minimale", obligatoire=True)
        maxi, e2 = _nombre(cellule(ligne, "activite_max"), "l'activité maximale", obligatoire=False)
        montant, e3 = _nombre(cellule(ligne, "montant"), "le montant plafond", obligatoire=True,
                              maximum=MONTANT_MAX)
        erreurs += [e for e in (e1, e2, e3) if e]
        if erreurs:
            r.erreurs += [f"Ligne {numero} : {e}" for e in erreurs]
            continue
        r.lignes.append(LignePlafondData(type_structure, mini, maxi, montant, numero=numero))
    r.erreurs += verifier_lignes(r.lignes)
    return r
