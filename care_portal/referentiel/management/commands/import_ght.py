"""Import the DGOS list of GHT (xlsx, one row per member establishment).

    python manage.py import_ght liste_ght_dgos.xlsx --rapport rejets.csv

Run it after import_finess: a member unknown to the referential is rejected. Columns,
guarantees and matching rules: care_portal/referentiel/imports.py. Exit status 1 when any
row was rejected, after the report.
"""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path

from django.core.management.base import BaseCommand

from care_portal.referentiel.imports import RapportCSV, importer_ght, lignes_rejets
from care_portal.referentiel.management.commandes import conclure, erreurs_d_import

DETAILS = 50


class Command(BaseCommand):
    help = "Importe la liste DGOS des GHT (xlsx) : crée ou met à jour les GHT, leurs membres et leur support."

    def add_arguments(self, parser):
        parser.add_argument("fichier", type=Path, help="classeur .xlsx de la DGOS")
        parser.add_argument("--rapport", type=Path, help="écrit toutes les lignes rejetées dans ce CSV")

    def handle(self, *args, fichier: Path, rapport: Path | None, **options):
        with erreurs_d_import(), RapportCSV(rapport) if rapport else nullcontext() as sortie:
            r = importer_ght(fichier, sur_rejet=sortie)
        for ligne in r.resume() + lignes_rejets([r], DETAILS):
            self.stdout.write(ligne)
        conclure(r.rejetes, rapport)
