"""The ceiling of a convention, read through a provider that another app registers.

The ceiling grid (matrice des montants plafonds) lives in the payment app, which imports candidatures;
candidatures must never import paiement (STYLE.md rule 13: a stage defines the hook, the app that
knows the answer connects to it in ``AppConfig.ready()``). So this module defines what a ceiling is
(``PlafondConvention``, plain data) and holds one provider: ``paiement.apps`` registers
``paiement.selectors.plafond_de_candidature`` with ``enregistrer_fournisseur``. Without a provider,
no convention gets an amount (and none can be sent), with a French reason.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from candidatures.models import Candidature

SANS_FOURNISSEUR = ("Aucune matrice des montants plafonds n'est branchée sur le portail : le montant de la "
                    "convention ne peut pas être calculé.")


@dataclass(frozen=True)
class PlafondConvention:
    """The ceiling of a candidature's structure, and the grid row that gives it; or ``erreur`` (French)
    when no row applies (no grid in force, no row for the type or the activity)."""

    montant: Decimal | None
    grille_id: int | None = None
    grille_version: int | None = None
    grille_en_vigueur_le: datetime.date | None = None
    grille_illustrative: bool = False
    ligne_id: int | None = None
    type_structure: str = ""
    tranche: str = ""
    activite_combinee: Decimal | None = None
    raisons: tuple[str, ...] = field(default_factory=tuple)
    erreur: str = ""

    @property
    def trouve(self) -> bool:
        return self.montant is not None and not self.erreur

    def origine(self) -> dict:
        """What the convention stores (JSON) to say which grid version and row produced its ceiling."""
        return {
            "grille": self.grille_id, "version": self.grille_version,
            "en_vigueur_le": self.grille_en_vigueur_le.isoformat() if self.grille_en_vigueur_le else None,
            "illustrative": self.grille_illustrative, "ligne": self.ligne_id, "type_structure": self.type_structure,
            "tranche": self.tranche,
            "activite_combinee": None if self.activite_combinee is None else str(self.activite_combinee),
            "montant": None if self.montant is None else str(self.montant), "raisons": list(self.raisons),
        }


Fournisseur = Callable[["Candidature", datetime.date | None], PlafondConvention]
_fournisseur: Fournisseur | None = None


def enregistrer_fournisseur(fournisseur: Fournisseur) -> None:
    """Called once by the app that holds the ceiling grid (``paiement.apps.PaiementConfig.ready``)."""
    global _fournisseur
    _fournisseur = fournisseur


def plafond_pour(candidature: Candidature, jour: datetime.date | None = None) -> PlafondConvention:
    """The ceiling of ``candidature``'s structure from the grid row in force on ``jour`` (today)."""
    if _fournisseur is None:
        return PlafondConvention(montant=None, erreur=SANS_FOURNISSEUR)
    return _fournisseur(candidature, jour)
