"""Time of the convention's PDF generation (``conventions.pdf.rendre_pdf``).

``rendre_pdf`` is what the sending task (``conventions.envoyer`` → ``envoyer`` →
``_generer_pdf``) runs before storing the document: the HTML template, WeasyPrint, then pyHanko's
incremental update adding the two empty signature fields (``pades.preparer_champs``). Storing the
document (SHA-256, copy to the storage, log row) is not timed.

Seeds ``seed_demo --scale`` (steps referentiel, comptes, candidatures: the demo call's candidatures,
some declared complete, each with its convention ``a_generer``) into an isolated database — a
temporary SQLite file, or, when DATABASE_URL is set, a ``<name>_bench`` database created and dropped
by Django's test-database machinery — then, for two complete candidatures (the one with the fewest
structures in its perimeter and the one with the most), renders the PDF once (the first render of the
convention's template; WeasyPrint itself already ran for the seeding's receipts, so its import and
fonts are not in it) and then ``--repetitions`` times, the convention being read from the database
as the task reads it. Prints the median, min and max, the phases (HTML, WeasyPrint, signature
fields: medians over the same number of separate runs), the page count, the size and the SQL queries.

    .venv/bin/python bench/bench_convention_pdf.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ecare_h5 .venv/bin/python bench/bench_convention_pdf.py
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from _commun import creer_base_isolee, rendre_base_isolee, setup_django  # noqa: E402


def _ms(secondes: float) -> str:
    return f"{secondes * 1000:.0f} ms"


def _charge() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg()) + f" ({os.cpu_count()} cœurs)"


def _pages(pdf: bytes) -> int:
    from pyhanko.pdf_utils.reader import PdfFileReader

    return int(PdfFileReader(io.BytesIO(pdf), strict=False).root["/Pages"]["/Count"])


def _lire(pk: int):
    """The convention as ``services_convention._generer_pdf`` reads it."""
    from conventions.models import Convention

    return Convention.objects.select_related("candidature__appel", "candidature__entite_juridique",
                                             "candidature__region_instructrice", "candidature__ght").get(pk=pk)


def mesurer(pk: int, repetitions: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from care_portal.core.pdf import document_html
    from care_portal.signature import pades
    from conventions import pdf as convention_pdf

    t = time.perf_counter()
    pdf = convention_pdf.rendre_pdf(_lire(pk))
    premier = time.perf_counter() - t

    totaux, requetes = [], 0
    for _ in range(repetitions):
        cv = _lire(pk)
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as capture:
            t = time.perf_counter()
            pdf = convention_pdf.rendre_pdf(cv)
            totaux.append(time.perf_counter() - t)
        requetes = len(capture.captured_queries)

    # the phases, each timed on its own (same steps as rendre_pdf)
    html_s, weasy_s, champs_s = [], [], []
    for _ in range(repetitions):
        cv = _lire(pk)
        t = time.perf_counter()
        html = convention_pdf.rendre_html(cv)
        html_s.append(time.perf_counter() - t)
        t = time.perf_counter()
        brut = document_html(html).write_pdf()
        weasy_s.append(time.perf_counter() - t)
        t = time.perf_counter()
        pades.preparer_champs(brut)
        champs_s.append(time.perf_counter() - t)

    return {"premier": premier, "totaux": totaux, "html": statistics.median(html_s),
            "weasyprint": statistics.median(weasy_s), "champs": statistics.median(champs_s),
            "pages": _pages(pdf), "taille": len(pdf), "requetes": requetes}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.2, help="échelle du pays de démonstration (défaut : 0,2)")
    parser.add_argument("--repetitions", type=int, default=20)
    parser.add_argument("--rapide", action="store_true", default=os.environ.get("BENCH_RAPIDE") == "1",
                        help="petit volume, pour vérifier en CI que le script tourne (ou BENCH_RAPIDE=1)")
    args = parser.parse_args()
    if args.rapide:
        args.scale, args.repetitions = min(args.scale, 0.1), 2

    with tempfile.TemporaryDirectory(prefix="ecare-bench-") as tmp:
        if not os.environ.get("DATABASE_URL"):
            os.environ["CARE_VAR_DIR"] = tmp
        os.environ.setdefault("CARE_MEDIA_ROOT", str(Path(tmp) / "media"))
        setup_django()
        import logging

        logging.getLogger("weasyprint").setLevel(logging.WARNING)
        logging.getLogger("fontTools").setLevel(logging.WARNING)
        logging.getLogger("celery").setLevel(logging.WARNING)  # the seeding's eager tasks
        from django.conf import settings
        from django.core.management import call_command
        from django.db import connection
        from django.db.models import Count

        settings.MEDIA_ROOT = str(Path(tmp) / "media")
        settings.STORAGES = {**settings.STORAGES, "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": settings.MEDIA_ROOT}}}
        base, ancien_nom = creer_base_isolee()
        print(f"Base isolée : {connection.vendor} {base}")
        try:
            debut = time.perf_counter()
            call_command("seed_demo", scale=args.scale, etapes=["referentiel", "comptes", "candidatures"],
                         stdout=io.StringIO())
            print(f"seed_demo --scale {args.scale:g} : {time.perf_counter() - debut:.1f} s")
            from conventions.models import Convention

            conventions = list(Convention.objects.annotate(n=Count("candidature__perimetre"))
                               .select_related("candidature").order_by("n", "pk"))
            if not conventions:
                raise SystemExit("Aucune convention : la démonstration n'a déclaré aucune candidature complète.")
            print(f"{len(conventions)} conventions à générer")
            choisies = [conventions[0]] if len(conventions) == 1 else [conventions[0], conventions[-1]]
            # the ceiling the ANS sets before the sending (printed on the PDF)
            Convention.objects.filter(pk__in=[cv.pk for cv in choisies]).update(plafond=Decimal("150000.00"))
            import weasyprint

            print(f"WeasyPrint {weasyprint.__version__}, {args.repetitions} rendus par convention après un premier rendu ; "
                  f"charge avant : {_charge()}")
            print()
            print("| convention | structures | pages | taille | requêtes SQL | 1er rendu | médiane | min | max "
                  "| HTML | WeasyPrint | champs de signature |")
            print("|---|---|---|---|---|---|---|---|---|---|---|---|")
            for cv in choisies:
                r = mesurer(cv.pk, args.repetitions)
                t = r["totaux"]
                print(f"| {cv.numero} ({cv.candidature.get_type_candidature_display()}) | {cv.n} | {r['pages']} | "
                      f"{r['taille'] / 1024:.0f} Kio | {r['requetes']} | {_ms(r['premier'])} | "
                      f"{_ms(statistics.median(t))} | {_ms(min(t))} | {_ms(max(t))} | {_ms(r['html'])} | "
                      f"{_ms(r['weasyprint'])} | {_ms(r['champs'])} |")
            print(f"\ncharge après : {_charge()}")
        finally:
            rendre_base_isolee(ancien_nom)


if __name__ == "__main__":
    main()
