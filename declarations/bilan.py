"""The bilan financier's rules as plain functions (STYLE.md rule 8): no ORM here.

- ``valider_ligne(brut, contexte)``: one line as typed in the form or read from the XLSX → a
  ``LigneSaisie`` or the list of its French errors. Amounts are ``Decimal`` with at most 2 decimals,
  never negative, TTC not below HT; the date inside the period (the call's ``couts_eligibles_depuis``
  → the declaration date); the objective one that applies to the structure.
- ``totaux(lignes, base)``: exact sums per objective and category, HT, TTC and eligible basis.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from .models import BaseEligible, Categorie

ZERO = Decimal("0.00")
CENTIME = Decimal("0.01")
MONTANT_MAX = Decimal("9999999999.99")  # max_digits=12, decimal_places=2


@dataclass(frozen=True)
class Contexte:
    """What a line is checked against: the period and the objectives that apply (code → title)."""

    debut: datetime.date
    fin: datetime.date
    objectifs: dict[str, str]


@dataclass(frozen=True)
class LigneSaisie:
    objectif: str
    categorie: str
    libelle: str
    fournisseur: str
    date: datetime.date
    montant_ht: Decimal
    montant_ttc: Decimal

    def en_json(self) -> dict[str, str]:
        return {"objectif": self.objectif, "categorie": self.categorie, "libelle": self.libelle,
                "fournisseur": self.fournisseur, "date": self.date.isoformat(),
                "montant_ht": str(self.montant_ht), "montant_ttc": str(self.montant_ttc)}

    @classmethod
    def depuis_json(cls, d: dict[str, str]) -> LigneSaisie:
        return cls(objectif=d["objectif"], categorie=d["categorie"], libelle=d["libelle"],
                   fournisseur=d["fournisseur"], date=datetime.date.fromisoformat(d["date"]),
                   montant_ht=Decimal(d["montant_ht"]), montant_ttc=Decimal(d["montant_ttc"]))


def _texte(valeur: Any) -> str:
    return "" if valeur is None else " ".join(str(valeur).split())


def lire_montant(valeur: Any, libelle: str) -> tuple[Decimal | None, str]:
    """(amount, "") or (None, French error). Accepts Decimal, int, float (an XLSX number) or text
    typed in a form (« 1 234,50 »)."""
    if valeur is None or (isinstance(valeur, str) and not valeur.strip()):
        return None, f"{libelle} : indiquez le montant."
    if isinstance(valeur, bool):
        return None, f"{libelle} : « {valeur} » n'est pas un montant."
    try:
        if isinstance(valeur, float):
            montant = Decimal(repr(valeur))
        elif isinstance(valeur, (int, Decimal)):
            montant = Decimal(valeur)
        else:
            montant = Decimal(str(valeur).replace("\u202f", "").replace("\xa0", "").replace(" ", "")
                              .replace("€", "").replace(",", "."))
    except InvalidOperation:
        return None, f"{libelle} : « {valeur} » n'est pas un montant."
    if not montant.is_finite():
        return None, f"{libelle} : « {valeur} » n'est pas un montant."
    if montant < 0:
        return None, f"{libelle} : le montant ne peut pas être négatif ({valeur})."
    if montant > MONTANT_MAX:
        return None, f"{libelle} : le montant dépasse 9 999 999 999,99 €."
    if montant != montant.quantize(CENTIME):
        return None, f"{libelle} : {valeur} a plus de 2 décimales (les montants sont en euros et centimes)."
    return montant.quantize(CENTIME), ""


def lire_date(valeur: Any) -> datetime.date | None:
    if isinstance(valeur, datetime.datetime):
        return valeur.date()
    if isinstance(valeur, datetime.date):
        return valeur
    texte = _texte(valeur)
    for format_ in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.datetime.strptime(texte, format_).date()
        except ValueError:
            continue
    return None


CATEGORIES_LUES: dict[str, str] = {
    **{code.lower(): code for code in Categorie.values},
    **{libelle.lower(): code for code, libelle in Categorie.choices},
    "interne": Categorie.INTERNE_RH, "rh": Categorie.INTERNE_RH, "coûts internes": Categorie.INTERNE_RH,
    "externe": Categorie.EXTERNE_PRESTATIONS, "prestations": Categorie.EXTERNE_PRESTATIONS,
    "coûts externes": Categorie.EXTERNE_PRESTATIONS, "coûts indirects": Categorie.INDIRECT,
}


def lire_categorie(valeur: Any) -> str | None:
    return CATEGORIES_LUES.get(_texte(valeur).lower())


def lire_objectif(valeur: Any) -> str:
    """« D1.O1.A » or « D1.O1.A — Réaliser… » → « D1.O1.A »."""
    texte = _texte(valeur)
    return texte.split(" ", 1)[0].upper() if texte else ""


def valider_ligne(brut: dict[str, Any], contexte: Contexte) -> tuple[LigneSaisie | None, list[str]]:
    """Check one line; every error is reported (not only the first)."""
    erreurs: list[str] = []
    objectif = lire_objectif(brut.get("objectif"))
    if not objectif:
        erreurs.append("Objectif : indiquez le code de l'objectif (par exemple D1.O1.A).")
    elif objectif not in contexte.objectifs:
        erreurs.append(f"Objectif : {objectif} ne s'applique pas à cette structure (objectifs possibles : "
                       f"{', '.join(contexte.objectifs)}).")
    categorie = lire_categorie(brut.get("categorie"))
    if categorie is None:
        erreurs.append(f"Catégorie : « {_texte(brut.get('categorie'))} » n'est pas une catégorie ; choisissez "
                       + ", ".join(f"« {libelle} »" for libelle in Categorie.labels) + ".")
    libelle = _texte(brut.get("libelle"))
    if not libelle:
        erreurs.append("Libellé : décrivez la dépense.")
    elif len(libelle) > 255:
        erreurs.append("Libellé : 255 caractères au plus.")
    fournisseur = _texte(brut.get("fournisseur"))
    if not fournisseur:
        erreurs.append("Fournisseur ou personnel : indiquez le fournisseur ou la personne concernée.")
    elif len(fournisseur) > 255:
        erreurs.append("Fournisseur ou personnel : 255 caractères au plus.")
    date = lire_date(brut.get("date"))
    if date is None:
        erreurs.append(f"Date : « {_texte(brut.get('date'))} » n'est pas une date (jj/mm/aaaa).")
    elif not contexte.debut <= date <= contexte.fin:
        erreurs.append(f"Date : le {date:%d/%m/%Y} est hors de la période des coûts éligibles, du "
                       f"{contexte.debut:%d/%m/%Y} au {contexte.fin:%d/%m/%Y}.")
    ht, erreur_ht = lire_montant(brut.get("montant_ht"), "Montant HT")
    ttc, erreur_ttc = lire_montant(brut.get("montant_ttc"), "Montant TTC")
    erreurs += [e for e in (erreur_ht, erreur_ttc) if e]
    if ht is not None and ttc is not None and ttc < ht:
        erreurs.append(f"Montant TTC : {ttc} € est inférieur au montant HT ({ht} €).")
    if erreurs:
        return None, erreurs
    return LigneSaisie(objectif=objectif, categorie=categorie, libelle=libelle, fournisseur=fournisseur,
                       date=date, montant_ht=ht, montant_ttc=ttc), []


# --- totals -----------------------------------------------------------------------------------------

@dataclass
class Somme:
    ht: Decimal = ZERO
    ttc: Decimal = ZERO
    eligible: Decimal = ZERO
    nombre: int = 0

    def ajouter(self, ht: Decimal, ttc: Decimal, base: str) -> None:
        self.ht += ht
        self.ttc += ttc
        self.eligible += ttc if base == BaseEligible.TTC else ht
        self.nombre += 1

    def en_json(self) -> dict[str, Any]:
        return {"ht": str(self.ht), "ttc": str(self.ttc), "eligible": str(self.eligible), "nombre": self.nombre}


@dataclass
class Totaux:
    base: str
    par_objectif: dict[str, Somme] = field(default_factory=dict)
    par_categorie: dict[str, Somme] = field(default_factory=dict)
    par_objectif_categorie: dict[tuple[str, str], Somme] = field(default_factory=dict)
    general: Somme = field(default_factory=Somme)

    def en_json(self) -> dict[str, Any]:
        return {
            "base": self.base,
            "general": self.general.en_json(),
            "par_objectif": {k: v.en_json() for k, v in self.par_objectif.items()},
            "par_categorie": {k: v.en_json() for k, v in self.par_categorie.items()},
            "par_objectif_categorie": {f"{o}|{c}": v.en_json() for (o, c), v in self.par_objectif_categorie.items()},
        }


def totaux(lignes: Iterable[Any], base: str) -> Totaux:
    """Exact sums (Decimal) of lines having ``objectif`` (code), ``categorie``, ``montant_ht`` and
    ``montant_ttc``: per objective, per category, per (objective, category), and overall."""
    t = Totaux(base=base)
    for ligne in lignes:
        code = ligne.objectif if isinstance(ligne.objectif, str) else ligne.objectif.code
        for somme in (t.par_objectif.setdefault(code, Somme()), t.par_categorie.setdefault(ligne.categorie, Somme()),
                      t.par_objectif_categorie.setdefault((code, ligne.categorie), Somme()), t.general):
            somme.ajouter(ligne.montant_ht, ligne.montant_ttc, base)
    return t
