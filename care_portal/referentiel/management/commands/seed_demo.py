"""manage.py seed_demo [--seed N] [--scale X] [--etape NOM …] [--national [--echelle V]] — the synthetic
France of the demo.

``--national`` builds the campaign's volume across every stage and state (about 1,300 candidatures,
1,200 conventions, 1,000 declarations with 10,000 cost lines, 800 controls, 700 payments, times
``--echelle``), each stage through its services. The PDFs the services lay out (receipts, conventions,
attestations, reports) are then rendered ONCE per kind by WeasyPrint and the bytes reused for the others
(``pdf_partages``): they still go through the documents service and the PAdES seals are real.

Runs the steps registered in :mod:`care_portal.referentiel.demo` (the referential first, then
whatever other apps add in their own ``demo`` module) and prints a French summary. Deterministic
for a given seed and scale, idempotent: a second run changes nothing.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from contextlib import contextmanager
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.module_loading import module_has_submodule

from care_portal.referentiel import demo

ECHELLE_MAX = 20.0
ECHELLE_REFERENTIEL_NATIONAL = 1.2  # at scale 1 the referential has ~1,120 candidate structures; 1,300 wanted


def charger_etapes() -> None:
    """Import the ``demo`` module of every project app so that its steps register (third-party apps
    are left alone: a module of theirs that happens to be called ``demo`` is none of ours)."""
    racine = str(settings.BASE_DIR)
    for config in apps.get_app_configs():
        if str(config.path).startswith(racine) and module_has_submodule(config.module, "demo"):
            importlib.import_module(f"{config.name}.demo")


class _RenduPartage:
    """A laid-out document whose bytes are those of the first of its kind."""

    def __init__(self, octets: bytes):
        self.octets = octets

    def render(self):
        return self

    def write_pdf(self, *args, **kwargs) -> bytes:
        return self.octets


@contextmanager
def pdf_partages():
    """Within the block, each module of the project that lays PDFs out with ``core.pdf.document_html``
    renders its first one for real and hands the same bytes back afterwards (national volume only)."""
    from care_portal.core import pdf

    original = pdf.document_html
    racine = str(settings.BASE_DIR)
    for config in apps.get_app_configs():
        if not str(config.path).startswith(racine) or not hasattr(config.module, "__path__"):
            continue
        for info in pkgutil.iter_modules(config.module.__path__):
            fichier = Path(config.path) / f"{info.name}.py"
            if fichier.exists() and "document_html" in fichier.read_text(encoding="utf-8"):
                importlib.import_module(f"{config.name}.{info.name}")
    modules = [m for m in list(sys.modules.values())
               if m is not None and m is not pdf and getattr(m, "document_html", None) is original]
    octets: dict[str, bytes] = {}

    def partage_pour(nom: str):
        def document_html(html: str):
            if nom not in octets:
                octets[nom] = original(html).write_pdf()
            return _RenduPartage(octets[nom])
        return document_html

    for m in modules:
        m.document_html = partage_pour(m.__name__)
    try:
        yield
    finally:
        for m in modules:
            m.document_html = original


class Command(BaseCommand):
    help = ("Construit le jeu de démonstration : une France synthétique (entités juridiques, "
            "établissements, GHT) puis les étapes des autres applications. Déterministe et idempotent.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=2024, help="graine du générateur (défaut : 2024)")
        parser.add_argument("--scale", type=float, default=None,
                            help="échelle du pays : 1 ≈ 1 500 EJ, 3 000 EG, 136 GHT (défaut : 1)")
        parser.add_argument("--etape", action="append", dest="etapes", metavar="NOM",
                            help="n'exécuter que cette étape (répétable) ; par défaut toutes")
        parser.add_argument("--national", action="store_true",
                            help="le volume d'une campagne nationale à toutes les étapes et dans tous les états "
                                 "(≈ 1 300 candidatures, 1 200 conventions, 1 000 déclarations, 800 contrôles, "
                                 "700 paiements) ; le pays à l'échelle 1,2 × --echelle sauf --scale explicite")
        parser.add_argument("--echelle", type=float, default=1.0,
                            help="avec --national : fraction du volume national (défaut : 1 ; 0,02 pour un essai)")

    def handle(self, *args, **options) -> None:
        national, volume = options["national"], options["echelle"]
        if not 0 < volume <= 1:
            raise CommandError(f"--echelle doit être comprise entre 0 (exclu) et 1 ; reçu : {volume:g}.")
        echelle = options["scale"]
        if echelle is None:
            echelle = max(0.05, ECHELLE_REFERENTIEL_NATIONAL * volume) if national else 1.0
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
        contexte = demo.ContexteDemo(graine=options["seed"], echelle=echelle, national=national, volume=volume)
        self.stdout.write(f"Jeu de démonstration — graine {contexte.graine}, échelle {echelle:g}"
                          + (f", volume national × {volume:g}." if national else "."))
        with pdf_partages() if national else _rien():
            self._executer(etapes, contexte)
        self.stdout.write(self.style.SUCCESS("Jeu de démonstration prêt."))

    def _executer(self, etapes, contexte) -> None:
        for etape in etapes:
            try:
                lignes = etape.fonction(contexte)
            except ValueError as exc:
                raise CommandError(f"Étape « {etape.nom} » : {exc}") from exc
            self.stdout.write(f"[{etape.nom}]")
            for ligne in lignes or []:
                self.stdout.write(f"  {ligne}")


@contextmanager
def _rien():
    yield
