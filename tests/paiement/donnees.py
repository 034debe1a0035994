"""Shared data of the payment tests: a ceiling table and structures (factories of tests/factories.py)."""

from __future__ import annotations

import io
from decimal import Decimal

from candidatures.regles import TypeCandidature as T
from paiement import services
from paiement.regles import LignePlafondData

D = Decimal

# One table covering every type; GHT with an unbounded last bracket, the private for-profit one bounded.
LIGNES = [
    (T.GHT, "0", "1000000", "250000.00"),
    (T.GHT, "1000000", "5000000", "450000.00"),
    (T.GHT, "5000000", None, "700000.00"),
    (T.PUBLIC_HORS_GHT, "0", None, "180000.00"),
    (T.PRIVE_EBNL, "0", "50000", "60000.00"),
    (T.PRIVE_EBNL, "50000", None, "100000.00"),
    (T.PRIVE_LUCRATIF, "1000", "50000", "40000.00"),
]


def lignes(spec=LIGNES) -> list[LignePlafondData]:
    return [LignePlafondData(t, D(a), D(b) if b is not None else None, D(m), numero=i)
            for i, (t, a, b, m) in enumerate(spec, start=2)]


def grille(appel, spec=LIGNES, **kwargs):
    kwargs.setdefault("illustrative", False)
    return services.grille_creer(appel=appel, lignes=lignes(spec), acteur=None, **kwargs)


ENTETE = ["type_structure", "activite_min", "activite_max", "montant"]


def csv_de(rangees, entete=ENTETE, sep=";") -> bytes:
    texte = "\n".join(sep.join("" if c is None else str(c) for c in r) for r in [entete, *rangees]) + "\n"
    return texte.encode("utf-8")


def xlsx_de(rangees, entete=ENTETE) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(entete)
    for r in rangees:
        ws.append(list(r))
    sortie = io.BytesIO()
    wb.save(sortie)
    return sortie.getvalue()
