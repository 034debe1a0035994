"""The dates of the payment stage, as plain functions over plain data (STYLE.md rule 8): each rule is
written once and used by the form (the screen) and by the service or the import (the write), so that
both refuse the same dates with the same French sentence. Each returns None when the date is acceptable.

- ``erreur_date_paiement``: a payment is paid between its order day (ordonnancement) and today.
- ``erreur_date_execution``: a SEPA batch executes today or later, inside the payment window of the
  call of each payment it carries.
- ``erreur_en_vigueur``: a ceiling grid takes effect within its call's years: from 1 January of the
  year the candidatures open to the end of the payment window (the grid is what payments use).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass


@dataclass(frozen=True)
class FenetrePaiement:
    appel: str  # the call's name, for the message
    debut: datetime.date
    fin: datetime.date


def erreur_date_paiement(le: datetime.date | None, *, ordonnance_le: datetime.date | None,
                         aujourd_hui: datetime.date) -> str | None:
    if not isinstance(le, datetime.date):
        return "Indiquez la date du paiement."
    if le > aujourd_hui:
        return f"La date du paiement ({le:%d/%m/%Y}) ne peut pas être dans le futur (aujourd'hui : {aujourd_hui:%d/%m/%Y})."
    if ordonnance_le is not None and le < ordonnance_le:
        return (f"La date du paiement ({le:%d/%m/%Y}) précède son ordonnancement, le {ordonnance_le:%d/%m/%Y} : "
                f"elle doit être comprise entre le {ordonnance_le:%d/%m/%Y} et aujourd'hui.")
    return None


def erreur_date_execution(date: datetime.date | None, *, aujourd_hui: datetime.date,
                          fenetres: list[FenetrePaiement] | tuple = ()) -> str | None:
    if not isinstance(date, datetime.date):
        return "Indiquez la date d'exécution demandée."
    if date < aujourd_hui:
        return (f"La date d'exécution demandée ({date:%d/%m/%Y}) est passée : choisissez aujourd'hui "
                f"({aujourd_hui:%d/%m/%Y}) ou une date ultérieure.")
    for f in fenetres:
        if not f.debut <= date <= f.fin:
            return (f"La date d'exécution demandée ({date:%d/%m/%Y}) est hors de la période de paiement de "
                    f"« {f.appel} », du {f.debut:%d/%m/%Y} au {f.fin:%d/%m/%Y}.")
    return None


def bornes_en_vigueur(candidature_debut: datetime.date, paiement_fin: datetime.date
                      ) -> tuple[datetime.date, datetime.date]:
    return datetime.date(candidature_debut.year, 1, 1), paiement_fin


def erreur_en_vigueur(date: datetime.date | None, *, appel: str, candidature_debut: datetime.date,
                      paiement_fin: datetime.date) -> str | None:
    if not isinstance(date, datetime.date):
        return "Indiquez la date d'entrée en vigueur de la matrice."
    debut, fin = bornes_en_vigueur(candidature_debut, paiement_fin)
    if not debut <= date <= fin:
        return (f"La date d'entrée en vigueur ({date:%d/%m/%Y}) est hors des années de l'appel « {appel} » : "
                f"elle doit être comprise entre le {debut:%d/%m/%Y} et la clôture des paiements, le {fin:%d/%m/%Y}.")
    return None
