"""manage.py seed_demo [--seed N] [--scale X] [--etape NOM …] — the synthetic France of the demo.

Runs the steps registered in :mod:`care_portal.referentiel.demo` (the referential first, then
whatever other apps add in their own ``demo`` module) and prints a French summary. Deterministic
for a given seed and scale, idempotent: a second run changes nothing.
"""

from __future__ import annotations

import importlib

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.module_loading import module_has_submodule

from care_portal.referentiel import demo

ECHELLE_MAX = 20.0


def charger_etapes() -> None:
    """Import the ``demo`` module of every project app so that its steps register (third-party apps
    are left alone: a module of theirs that happens to be called ``demo`` is none of ours)."""
    racine = str(settings.BASE_DIR)
    for config in apps.get_app_configs():
        if str(config.path).startswith(racine) and module_has_submodule(config.module, "demo"):
            importlib.import_module(f"{config.name}.demo")


class Command(BaseCommand):
    help = ("Construit le jeu de démonstration : une France synthétique (entités juridiques, "
            "établissements, GHT) puis les étapes des autres applications. Déterministe et idempotent.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=2024, help="graine du générateur (défaut : 2024)")
        parser.add_argument("--scale", type=float, default=1.0,
                            help="échelle du pays : 1 ≈ 1 500 EJ, 3 000 EG, 136 GHT (défaut : 1)")
        parser.add_argument("--etape", action="append", dest="etapes", metavar="NOM",
                            help="n'exécuter que cette étape (répétable) ; par défaut toutes")

    def handle(self, *args, **options) -> None:
        echelle = options["scale"]
        if not 0 < echelle <= ECHELLE_MAX:
            raise CommandError(
                f"L'échelle doit être comprise entre 0 (exclu) et {ECHELLE_MAX:g} ; reçu : {echelle:g}."
            )
        charger_etapes()
        etapes = demo.etapes()
        if options["etapes"]:
            inconnues = sorted(set(options["etapes"]) - {e.nom for e in etapes})
            if inconnues:
                raise CommandError(f"Étape(s) inconnue(s) : {', '.join(inconnues)}. "
                                   f"Étapes disponibles : {', '.join(e.nom for e in etapes)}.")
            etapes = [e for e in etapes if e.nom in options["etapes"]]
        contexte = demo.ContexteDemo(graine=options["seed"], echelle=echelle)
        self.stdout.write(f"Jeu de démonstration — graine {contexte.graine}, échelle {echelle:g}.")
        for etape in etapes:
            try:
                lignes = etape.fonction(contexte)
            except ValueError as exc:
                raise CommandError(f"Étape « {etape.nom} » : {exc}") from exc
            self.stdout.write(f"[{etape.nom}]")
            for ligne in lignes or []:
                self.stdout.write(f"  {ligne}")
        self.stdout.write(self.style.SUCCESS("Jeu de démonstration prêt."))
