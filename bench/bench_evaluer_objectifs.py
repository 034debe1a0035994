"""Time and queries of ``manage.py evaluer_objectifs --all`` on the national demo.

Seeds ``seed_demo --scale 1`` (the national referential, the demo accounts, the demo candidatures
and their objectives' evidence: steps referentiel, comptes, candidatures, objectifs) into an isolated
database — a temporary SQLite file, or, when DATABASE_URL is set, a ``<name>_bench`` database created
and dropped by Django's test-database machinery — then runs ``evaluer_objectifs --all`` (and
``--json``) ``--repetitions`` times, printing the wall time, the number of dossiers, the number of
SQL queries and the queries per dossier.

    .venv/bin/python bench/bench_evaluer_objectifs.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ecare_hb .venv/bin/python bench/bench_evaluer_objectifs.py
"""

from __future__ import annotations

import argparse
import io
import os
import tempfile
import time
from pathlib import Path

from _commun import creer_base_isolee, rendre_base_isolee, setup_django  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="échelle du pays de démonstration (défaut : 1)")
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--rapide", action="store_true", default=os.environ.get("BENCH_RAPIDE") == "1",
                        help="petit volume, pour vérifier en CI que le script tourne (ou BENCH_RAPIDE=1)")
    args = parser.parse_args()
    if args.rapide:
        args.scale, args.repetitions = min(args.scale, 0.1), 1

    with tempfile.TemporaryDirectory(prefix="ecare-bench-") as tmp:
        if not os.environ.get("DATABASE_URL"):
            os.environ["CARE_VAR_DIR"] = tmp
        os.environ.setdefault("CARE_MEDIA_ROOT", str(Path(tmp) / "media"))
        setup_django()
        import logging

        logging.getLogger("weasyprint").setLevel(logging.WARNING)
        from django.conf import settings
        from django.core.management import call_command
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        settings.MEDIA_ROOT = str(Path(tmp) / "media")
        settings.STORAGES = {**settings.STORAGES, "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": settings.MEDIA_ROOT}}}
        base, ancien_nom = creer_base_isolee()
        print(f"Base isolée : {connection.vendor} {base}")
        try:
            debut = time.perf_counter()
            sortie = io.StringIO()
            call_command("seed_demo", scale=args.scale, etapes=["referentiel", "comptes", "candidatures", "objectifs"],
                         stdout=sortie)
            print(f"seed_demo --scale {args.scale:g} : {time.perf_counter() - debut:.1f} s")
            for ligne in sortie.getvalue().splitlines():
                if "Candidatures de démonstration" in ligne or "Preuves des objectifs" in ligne:
                    print("  " + ligne.strip())
            from objectifs import selectors
            from objectifs.models import AuditADS, AuditExposition

            dossiers = selectors.candidatures_evaluables().count()
            print(f"{dossiers} dossiers en phase opérationnelle, {AuditADS.objects.count()} audits ADS, "
                  f"{AuditExposition.objects.count()} audits d'exposition")
            print("| sortie | passage | durée | requêtes | requêtes / dossier |")
            print("|---|---|---|---|---|")
            for options in ([], ["--json"]):
                for i in range(args.repetitions):
                    connection.queries_log.clear()  # the seeding filled it: a full log counts nothing
                    with CaptureQueriesContext(connection) as requetes:
                        t = time.perf_counter()
                        call_command("evaluer_objectifs", "--all", *options, stdout=io.StringIO())
                        duree = time.perf_counter() - t
                    n = len(requetes.captured_queries)
                    print(f"| {'json' if options else 'texte'} | {i + 1} | {duree * 1000:.0f} ms | {n} | "
                          f"{n / max(dossiers, 1):.2f} |")
        finally:
            rendre_base_isolee(ancien_nom)


if __name__ == "__main__":
    main()
