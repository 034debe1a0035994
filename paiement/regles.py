"""Pure payment rules (STYLE.md rule 8): plain data in, verdicts with their reasons out. No ORM.

- ``plafond_pour``: the ceiling of a structure in a ceiling table (the row whose type is the
  structure's and whose bracket ``[activite_min, activite_max)`` contains its combined activity).
- ``verifier_lignes``: what is wrong with a ceiling table (overlapping brackets, min ≥ max, negative
  amounts, unknown types), in French, one sentence per problem.
- ``montant_paiement``: the amount paid = min(eligible costs, ceiling), in euros and cents.

Source: DESIGN.md §3 « Paiement » and the programme (reference/programme-care-domaine1.txt): the
funding equals the eligible costs declared, capped by the structure's ceiling, paid once.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from candidatures.regles import TypeCandidature

CENTIME = Decimal("0.01")
LIBELLES_TYPES: dict[str, str] = dict(TypeCandidature.CHOICES)


# --- formatting (French, plain spaces as thousands separators) ---------------------------------------

def euros(montant: Decimal) -> str:
    """« 450 000,00 € »."""
    return f"{montant.quantize(CENTIME, rounding=ROUND_HALF_UP):,.2f}".replace(",", " ").replace(".", ",") + " €"


def nombre(valeur: Decimal) -> str:
    """An activity: « 1 234 567 », or « 1 234 567,50 » when it has cents."""
    valeur = Decimal(valeur)
    if valeur == valeur.to_integral_value():
        return f"{int(valeur):,}".replace(",", " ")
    return f"{valeur.quantize(CENTIME, rounding=ROUND_HALF_UP):,.2f}".replace(",", " ").replace(".", ",")


def libelle_type(type_structure: str) -> str:
    return LIBELLES_TYPES.get(type_structure, type_structure)


# --- data ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class StructurePlafond:
    """A structure as the ceiling rule sees it. ``explications``: how its activity was obtained
    (for a GHT, the sum over its member EJ), shown before the verdict."""

    type_structure: str
    activite_combinee: Decimal
    nom: str = ""
    identifiant: str = ""  # FINESS EJ, or the GHT's code
    explications: tuple[str, ...] = ()


@dataclass(frozen=True)
class LignePlafondData:
    type_structure: str
    activite_min: Decimal
    activite_max: Decimal | None
    montant: Decimal
    numero: int | None = None  # the row of the imported file, or the database id

    def contient(self, activite: Decimal) -> bool:
        return self.activite_min <= activite and (self.activite_max is None or activite < self.activite_max)

    @property
    def tranche(self) -> str:
        """« de 1 000 000 à 5 000 000 » or « à partir de 5 000 000 »."""
        if self.activite_max is None:
            return f"à partir de {nombre(self.activite_min)}"
        return f"de {nombre(self.activite_min)} à {nombre(self.activite_max)}"


@dataclass(frozen=True)
class ResultatPlafond:
    structure: StructurePlafond
    montant: Decimal | None
    ligne: LignePlafondData | None
    raisons: tuple[str, ...]

    @property
    def trouve(self) -> bool:
        return self.montant is not None


# --- the ceiling ------------------------------------------------------------------------------------

def plafond_pour(structure: StructurePlafond, lignes: list[LignePlafondData]) -> ResultatPlafond:
    """The row of ``lignes`` that applies to ``structure`` (its type; ``activite_min`` ≤ activity <
    ``activite_max``), its amount and why; or no amount with the French reason. In a valid table
    (``verifier_lignes``) at most one row applies; otherwise the one with the lowest minimum wins."""
    activite = Decimal(structure.activite_combinee)
    libelle = libelle_type(structure.type_structure)
    raisons = list(structure.explications)
    du_type = sorted((ligne for ligne in lignes if ligne.type_structure == structure.type_structure),
                     key=lambda ligne: ligne.activite_min)
    if not du_type:
        raisons.append(f"La matrice des montants plafonds ne prévoit aucun plafond pour le type « {libelle} » : "
                       "aucun plafond ne peut être calculé pour cette structure.")
        return ResultatPlafond(structure, None, None, tuple(raisons))
    ligne = next((ligne for ligne in du_type if ligne.contient(activite)), None)
    if ligne is None:
        tranches = " ; ".join(ligne.tranche for ligne in du_type)
        raisons.append(f"{libelle} dont l'activité combinée est de {nombre(activite)} : aucune tranche de la matrice "
                       f"ne couvre cette activité (tranches prévues : {tranches}). Aucun plafond pour cette structure.")
        return ResultatPlafond(structure, None, None, tuple(raisons))
    raisons.append(f"{libelle} dont l'activité combinée est de {nombre(activite)} : tranche {ligne.tranche}, "
                   f"plafond {euros(ligne.montant)}")
    return ResultatPlafond(structure, ligne.montant, ligne, tuple(raisons))


def verifier_lignes(lignes: list[LignePlafondData]) -> list[str]:
    """Every problem of a ceiling table, in French (empty: the table is valid). Brackets are
    half-open ``[min, max)``: [0, 1 000 000) and [1 000 000, …) do not overlap."""
    erreurs: list[str] = []

    def ou(ligne: LignePlafondData) -> str:
        return f"Ligne {ligne.numero}" if ligne.numero is not None else f"Tranche {ligne.tranche}"

    valides = []
    for ligne in lignes:
        ok = True
        if ligne.type_structure not in LIBELLES_TYPES:
            erreurs.append(f"{ou(ligne)} : type de structure « {ligne.type_structure} » inconnu ; valeurs admises : "
                           + ", ".join(LIBELLES_TYPES) + ".")
            ok = False
        if ligne.activite_min < 0:
            erreurs.append(f"{ou(ligne)} : l'activité minimale ne peut pas être négative.")
            ok = False
        if ligne.activite_max is not None and ligne.activite_max <= ligne.activite_min:
            erreurs.append(f"{ou(ligne)} : l'activité maximale ({nombre(ligne.activite_max)}) doit être supérieure à "
                           f"l'activité minimale ({nombre(ligne.activite_min)}).")
            ok = False
        if ligne.montant < 0:
            erreurs.append(f"{ou(ligne)} : le montant plafond ne peut pas être négatif.")
            ok = False
        if ok:
            valides.append(ligne)
    for type_structure in LIBELLES_TYPES:
        du_type = sorted((ligne for ligne in valides if ligne.type_structure == type_structure),
                         key=lambda ligne: (ligne.activite_min, ligne.numero or 0))
        for i, a in enumerate(du_type):
            for b in du_type[i + 1:]:
                if a.activite_max is not None and b.activite_min >= a.activite_max:
                    break  # sorted by minimum: no later bracket overlaps ``a``
                qui = (f"Lignes {a.numero} et {b.numero}" if a.numero is not None and b.numero is not None
                       else "Deux lignes")
                erreurs.append(f"{qui} : les tranches « {libelle_type(type_structure)} » {a.tranche} et {b.tranche} "
                               "se chevauchent.")
    return erreurs


# --- the amount -----------------------------------------------------------------------------------------

class MontantPaiement(NamedTuple):
    montant: Decimal
    plafonne: bool
    explication: str


def montant_paiement(couts_eligibles: Decimal, plafond: Decimal) -> MontantPaiement:
    """min(eligible costs, ceiling), both rounded to the cent (ROUND_HALF_UP) first; ``plafonne`` when
    the costs exceed the ceiling. Negative inputs are refused (ValueError, French message)."""
    couts = Decimal(couts_eligibles).quantize(CENTIME, rounding=ROUND_HALF_UP)
    plafond = Decimal(plafond).quantize(CENTIME, rounding=ROUND_HALF_UP)
    if couts < 0:
        raise ValueError("Les coûts éligibles ne peuvent pas être négatifs.")
    if plafond < 0:
        raise ValueError("Le plafond ne peut pas être négatif.")
    if couts > plafond:
        return MontantPaiement(plafond, True, f"Les coûts éligibles ({euros(couts)}) dépassent le plafond "
                                              f"({euros(plafond)}) : le paiement est plafonné à {euros(plafond)}.")
    if couts == plafond:
        return MontantPaiement(couts, False, f"Les coûts éligibles ({euros(couts)}) sont égaux au plafond : "
                                             f"le paiement est de {euros(couts)}.")
    return MontantPaiement(couts, False, f"Les coûts éligibles ({euros(couts)}) sont inférieurs au plafond "
                                         f"({euros(plafond)}) : le paiement est de {euros(couts)}.")
