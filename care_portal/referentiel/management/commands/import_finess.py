"""Import the public FINESS extraction (data.gouv.fr) into the referential.

    python manage.py import_finess etalab_cs1100507_stock.csv --ej etalab_cs1100501_stock.csv \
        --rapport rejets.csv

The EJ file (``--ej``) is imported first, then the establishments. Formats, guarantees
(streaming, idempotent, per-line rejections) and column lists: care_portal/referentiel/imports.py.
Exit status 1 when any line was rejected, after the report.
"""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from care_portal.referentiel.imports import (
    TAILLE_LOT,
    RapportCSV,
    RapportFiness,
    importer_entites_juridiques,
    importer_etablissements,
    lignes_rejets,
    verifier_lisible,
)
from care_portal.referentiel.management.commandes import conclure, erreurs_d_import

DETAILS = 50


class Command(BaseCommand):
    help = (
        "Importe l'extraction FINESS (établissements, et entités juridiques avec --ej) : crée ou met à jour, "
        "rejette les lignes invalides avec leur motif."
    )

    def add_arguments(self, parser):
        parser.add_argument("fichier", type=Path, help="fichier des établissements (lignes structureet)")
        parser.add_argument("--ej", type=Path, help="fichier des entités juridiques (lignes structureej)")
        parser.add_argument("--rapport", type=Path, help="écrit toutes les lignes rejetées dans ce CSV")
        parser.add_argument(
            "--taille-lot", type=int, default=TAILLE_LOT, help="lignes écrites par transaction"
        )

    def handle(
        self, *args, fichier: Path, ej: Path | None, rapport: Path | None, taille_lot: int, **options
    ) -> None:
        if taille_lot < 1:
            raise CommandError("--taille-lot doit être un entier positif.")
        rapports: list[RapportFiness] = []
        with erreurs_d_import():
            # Both files checked up front: a missing ET file must not come after a half-done EJ import.
            for chemin in filter(None, [ej, fichier]):
                verifier_lisible(chemin)
            with RapportCSV(rapport) if rapport else nullcontext() as sortie:
                if ej:
                    r = importer_entites_juridiques(ej, sur_rejet=sortie, taille_lot=taille_lot)
                    rapports.append(r)
                    self._resume(r.resume("Entités juridiques"))
                r = importer_etablissements(fichier, sur_rejet=sortie, taille_lot=taille_lot)
                rapports.append(r)
                self._resume(r.resume("Établissements"))
        for ligne in lignes_rejets(rapports, DETAILS):
            self.stdout.write(ligne)
        conclure(sum(r.rejetes for r in rapports), rapport)

    def _resume(self, lignes: list[str]) -> None:
        for ligne in lignes:
            self.stdout.write(ligne)
