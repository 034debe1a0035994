"""Demo ceiling tables (``manage.py seed_demo``, step ``plafonds``, ordre 40: after ``candidatures``
(40, sorted by name) which creates the demo call, before ``conventions`` (45) so that the conventions
could read their ceiling).

For the demo call ``care-d1-demo`` and the 2024 D1 call ``care-d1-2024``: one version of the table,
**illustrative** (the official amounts of the matrice des montants plafonds are not public), in force
from the call's opening, through ``services.grille_creer`` (logged). Brackets of combined activity in
the units of the referential's ``activite_combinee``; a GHT's ceiling is larger than a public
establishment's, a non-profit private one's larger than a for-profit clinic's.

Idempotent: a call that already has a table is left alone.
"""

from __future__ import annotations

from decimal import Decimal

from candidatures.regles import TypeCandidature

from .regles import LignePlafondData

CODES_APPELS = ("care-d1-demo", "care-d1-2024")
SOURCE = ("Matrice de démonstration eCaRE — montants illustratifs : la matrice officielle des montants "
          "plafonds n'est pas publique")
_SANS_BORNE = None

# (type, activity min (incl.), activity max (excl.) or None, ceiling in euros)
GRILLE_DEMO: list[tuple[str, int, int | None, str]] = [
    (TypeCandidature.GHT, 0, 100_000, "120000.00"),
    (TypeCandidature.GHT, 100_000, 300_000, "200000.00"),
    (TypeCandidature.GHT, 300_000, 1_000_000, "320000.00"),
    (TypeCandidature.GHT, 1_000_000, _SANS_BORNE, "500000.00"),
    (TypeCandidature.PUBLIC_HORS_GHT, 0, 20_000, "60000.00"),
    (TypeCandidature.PUBLIC_HORS_GHT, 20_000, 100_000, "100000.00"),
    (TypeCandidature.PUBLIC_HORS_GHT, 100_000, _SANS_BORNE, "180000.00"),
    (TypeCandidature.PRIVE_EBNL, 0, 10_000, "30000.00"),
    (TypeCandidature.PRIVE_EBNL, 10_000, 50_000, "60000.00"),
    (TypeCandidature.PRIVE_EBNL, 50_000, _SANS_BORNE, "90000.00"),
    (TypeCandidature.PRIVE_LUCRATIF, 0, 10_000, "20000.00"),
    (TypeCandidature.PRIVE_LUCRATIF, 10_000, 50_000, "40000.00"),
    (TypeCandidature.PRIVE_LUCRATIF, 50_000, _SANS_BORNE, "70000.00"),
]


def lignes_demo() -> list[LignePlafondData]:
    return [LignePlafondData(t, Decimal(mini), Decimal(maxi) if maxi is not None else None, Decimal(montant),
                             numero=i)
            for i, (t, mini, maxi, montant) in enumerate(GRILLE_DEMO, start=1)]


def creer_grilles_demo() -> list[str]:
    from care_portal.referentiel.models import AppelAFinancement

    from . import services
    from .models import GrilleMontantsPlafonds

    lignes = []
    for code in CODES_APPELS:
        appel = AppelAFinancement.objects.filter(code=code).first()
        if appel is None:
            lignes.append(f"Appel « {code} » absent : pas de matrice des plafonds.")
            continue
        if GrilleMontantsPlafonds.objects.filter(appel=appel).exists():
            lignes.append(f"Matrice des plafonds de « {code} » : déjà présente.")
            continue
        grille = services.grille_creer(
            appel=appel, lignes=lignes_demo(), acteur=None, en_vigueur_le=appel.candidature_debut, source=SOURCE,
            commentaire="Créée par manage.py seed_demo.", illustrative=True,
        )
        lignes.append(f"Matrice des plafonds de « {code} » : version {grille.version} créée "
                      f"({len(GRILLE_DEMO)} lignes, montants indicatifs).")
    return lignes


def _enregistrer_etape_seed_demo() -> None:
    from care_portal.referentiel.demo import ContexteDemo, enregistrer_etape

    @enregistrer_etape("plafonds", ordre=40)
    def etape_plafonds(contexte: ContexteDemo) -> list[str]:
        """The illustrative ceiling tables of the demo call and of the 2024 D1 call."""
        return creer_grilles_demo()


_enregistrer_etape_seed_demo()
