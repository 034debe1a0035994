"""manage.py import_plafonds --appel CODE FICHIER [--illustratif] [--en-vigueur-le AAAA-MM-JJ]

Imports a ceiling table (CSV or XLSX, see paiement/imports.py) as a new version for the call: the
whole file, or nothing when one row is wrong (every error printed with its row number)."""

from __future__ import annotations

import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from care_portal.core import format_fr
from care_portal.referentiel.models import AppelAFinancement
from care_portal.workflow.services import WorkflowError
from paiement import services
from paiement.imports import TAILLE_MAX


def _date(valeur: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(valeur)
    except ValueError:
        raise CommandError(f"Date invalide « {valeur} » : attendu AAAA-MM-JJ, par exemple 2024-06-10.") from None


class Command(BaseCommand):
    help = ("Importe une matrice des montants plafonds (CSV ou XLSX) comme nouvelle version pour un appel à "
            "financement. Rien n'est importé si une ligne est en erreur.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("fichier", help="fichier .csv ou .xlsx (colonnes type_structure, activite_min, "
                                            "activite_max, montant)")
        parser.add_argument("--appel", required=True, help="code de l'appel à financement, par exemple care-d1-2024")
        parser.add_argument("--illustratif", action="store_true",
                            help="montants indicatifs (non officiels) : le simulateur l'affiche")
        parser.add_argument("--en-vigueur-le", dest="en_vigueur_le", type=_date, default=None,
                            help="date d'entrée en vigueur (AAAA-MM-JJ ; défaut : aujourd'hui)")
        parser.add_argument("--commentaire", default="", help="commentaire enregistré avec la version")

    def handle(self, *args, **options) -> None:
        appel = AppelAFinancement.objects.filter(code=options["appel"]).first()
        if appel is None:
            codes = ", ".join(AppelAFinancement.objects.order_by("code").values_list("code", flat=True)) or "aucun"
            raise CommandError(f"Appel à financement « {options['appel']} » inconnu. Appels existants : {codes}.")
        chemin = Path(options["fichier"])
        try:
            if chemin.stat().st_size > TAILLE_MAX:  # never read a huge file into memory only to refuse it
                raise CommandError(f"Le fichier « {chemin} » dépasse {TAILLE_MAX // (1024 * 1024)} Mo : une matrice "
                                   "des plafonds tient en quelques dizaines de lignes. Rien n'a été importé.")
            contenu = chemin.read_bytes()
        except OSError as exc:
            raise CommandError(f"Impossible de lire le fichier « {chemin} » : {exc.strerror or exc}.") from None
        try:
            grille = services.grille_importer(
                appel=appel, contenu=contenu, nom_fichier=chemin.name, acteur=None,
                illustrative=options["illustratif"], en_vigueur_le=options["en_vigueur_le"],
                commentaire=options["commentaire"],
            )
        except services.MatricePlafondsInvalide as exc:
            for erreur in exc.erreurs:
                self.stderr.write(erreur)
            raise CommandError(exc.message) from None
        except WorkflowError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(self.style.SUCCESS(
            f"Version {grille.version} de la matrice des montants plafonds de « {appel.code} » importée : "
            f"{format_fr.pluriel(grille.lignes.count(), 'ligne')}, en vigueur à partir du {grille.en_vigueur_le:%d/%m/%Y}"
            + (", montants indicatifs." if grille.illustrative else ".")))
