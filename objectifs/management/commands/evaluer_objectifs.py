"""manage.py evaluer_objectifs [--candidature ID | --all] [--date AAAA-MM-JJ] [--json]

Prints, for each candidature followed in the operational phase (submitted, neither rejected nor
withdrawn), the verdict of each D1 objective with its reasons, in French — the same rules as the
objectives page (selectors.evaluer_lots: a constant number of queries per batch of dossiers)."""

from __future__ import annotations

import datetime
import json

from django.core.management.base import BaseCommand, CommandError, CommandParser

from candidatures.models import Candidature
from care_portal.core import format_fr
from objectifs import selectors


def _date(texte: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(texte)
    except ValueError as exc:
        raise CommandError(f"Date invalide « {texte} » : attendu AAAA-MM-JJ, par exemple 2025-03-28.") from exc


def verdict_en_dict(v) -> dict:
    return {"code": v.code, "titre": v.titre, "statut": str(v.statut), "raisons": list(v.raisons),
            "a_faire": list(v.a_faire),
            "prochaines_echeances": [{"cible": e.cible, "date": e.date.isoformat(), "en_retard": e.en_retard}
                                     for e in v.prochaines_echeances]}


class Command(BaseCommand):
    help = ("Évalue les objectifs du Domaine 1 d'une candidature (--candidature ID) ou de toutes celles en phase "
            "opérationnelle (--all), à la date donnée (défaut : aujourd'hui), et affiche verdicts et raisons.")

    def add_arguments(self, parser: CommandParser) -> None:
        cible = parser.add_mutually_exclusive_group(required=True)
        cible.add_argument("--candidature", type=int, metavar="ID", help="identifiant de la candidature")
        cible.add_argument("--all", action="store_true", help="toutes les candidatures en phase opérationnelle")
        parser.add_argument("--date", type=_date, default=None, metavar="AAAA-MM-JJ",
                            help="date de référence (défaut : aujourd'hui, Europe/Paris)")
        parser.add_argument("--json", action="store_true", help="sortie JSON (une liste de dossiers)")

    def handle(self, *args, **options) -> None:
        if options["candidature"] is not None:
            qs = selectors.candidatures_evaluables().filter(pk=options["candidature"])
            if not qs.exists():
                c = Candidature.objects.filter(pk=options["candidature"]).first()
                if c is None:
                    raise CommandError(f"Aucune candidature n'a l'identifiant {options['candidature']}.")
                raise CommandError(f"La candidature {c.pk} est « {c.get_etat_display().lower()} » : ses objectifs "
                                   "ne sont suivis qu'à partir de son dépôt, hors rejet et retrait.")
        else:
            qs = selectors.candidatures_evaluables()
        resultats = []
        nombre = 0
        for c, verdicts in selectors.evaluer_lots(qs, options["date"]):
            nombre += 1
            if options["json"]:
                resultats.append({"candidature": c.pk, "structure": c.structure_libelle,
                                  "verdicts": [verdict_en_dict(v) for v in verdicts]})
                continue
            self.stdout.write(f"Candidature {c.pk} — {c.structure_libelle} ({c.get_etat_display().lower()})")
            for v in verdicts:
                self.stdout.write(f"  {v.code} {v.titre} : {v.statut.libelle}")
                for raison in v.raisons:
                    self.stdout.write(f"    - {raison}")
                for texte in v.a_faire:
                    self.stdout.write(f"    → {texte}")
        if options["json"]:
            self.stdout.write(json.dumps(resultats, ensure_ascii=False, indent=2))
        else:
            self.stdout.write(f"{nombre} dossier{format_fr.s(nombre)} évalué{format_fr.s(nombre)}.")
