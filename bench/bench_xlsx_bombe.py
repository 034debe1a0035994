"""The XLSX zip bomb through the bilan import parser: how long the refusal takes and how much the
process grows (issue 18 « Hostile files »; target: refused in under 2 s, under 100 MB of growth).

    .venv/bin/python bench/bench_xlsx_bombe.py                   # the 3-million-row bomb and its cousins
    .venv/bin/python bench/bench_xlsx_bombe.py --lignes 10000000  # a bigger bomb

The hostile files come from ``tests/securite/corpus.py`` (built in memory: the sheet's XML is streamed
into the ZIP, never held whole). Each case runs ``declarations.bilan_xlsx.lire`` — what the view
« importer » calls — in a fresh process, and measures there:

- the wall-clock and CPU time of the call;
- the growth of the resident set during the call: Linux VmHWM (peak RSS) reset just before the call
  through /proc/self/clear_refs, minus the RSS before; ``ru_maxrss`` after the call is printed too
  (the reset applies to it: it is the peak of the process during the call, start-up included);
- in a second call, the peak of Python allocations (tracemalloc).

Before issue 18, the same 3-million-row file took 204 s of CPU and 3.8 GB (the whole workbook was
loaded before the row limit was checked). ``pire_admissible`` is not hostile: it is the heaviest
file the gate still hands to openpyxl (2,000 rows of long texts, 20 MB of XML), the upper bound of
what an accepted file costs.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

RACINE = Path(__file__).resolve().parent.parent
CAS = ["bombe", "pire_admissible", "bombe_en_morceaux", "trop_de_lignes_5000", "million_de_lignes_vides", "rangee_de_200000_cellules", "milliard_de_rires",
       "dtd_entite_externe_xxe", "repertoire_zip_menteur"]


def _vmhwm_ko() -> int | None:
    try:
        for ligne in Path("/proc/self/status").read_text().splitlines():
            if ligne.startswith("VmHWM:"):
                return int(ligne.split()[1])
    except OSError:
        return None
    return None


def _vmrss_ko() -> int | None:
    try:
        for ligne in Path("/proc/self/status").read_text().splitlines():
            if ligne.startswith("VmRSS:"):
                return int(ligne.split()[1])
    except OSError:
        return None
    return None


def _reinitialiser_pic() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def pire_admissible(corpus) -> bytes:
    """The largest file the gate lets through to openpyxl: 2,000 rows whose cells hold long texts of
    random words, just under the 20 MB uncompressed ceiling, compressing about 6 to 1 (under the
    ratio check and the 5 MB size limit)."""
    import random

    hasard = random.Random(18)
    mots = ["".join(hasard.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(6)) for _ in range(64)]
    rangees = [corpus.ENTETE_BILAN]
    for n in range(2, 2002):
        textes = [" ".join(hasard.choice(mots) for _ in range(185)) for _ in range(7)]
        rangees.append(corpus._rangee(n, *textes))
    return corpus.xlsx_modifie({corpus.FEUILLE: corpus.feuille(b"".join(rangees))})


def mesurer(cas: str, lignes: int) -> dict:
    """In this (fresh) process: build the file, then refuse it twice (time + RSS, then tracemalloc)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "care_portal.settings.test")
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, str(RACINE))
    import django

    django.setup()
    import datetime

    from declarations import bilan, bilan_xlsx
    from tests.securite import corpus

    debut = time.monotonic()
    if cas == "bombe":
        contenu = corpus.bombe_xlsx(lignes)
    elif cas == "pire_admissible":
        contenu = pire_admissible(corpus)
    else:
        contenu = next(f.contenu for f in corpus.xlsx_hostiles() if f.cas == cas)
    construction = time.monotonic() - debut
    contexte = bilan.Contexte(debut=datetime.date(2023, 1, 1), fin=datetime.date(2025, 3, 28),
                              objectifs={"D1.O1.A": "Audits AD"})

    rss_avant = _vmrss_ko()
    maxrss_avant = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    pic_reinitialise = _reinitialiser_pic()
    cpu, mur = time.process_time(), time.monotonic()
    resultat = bilan_xlsx.lire(contenu, contexte)
    mur, cpu = time.monotonic() - mur, time.process_time() - cpu
    hwm = _vmhwm_ko()
    maxrss_apres = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    tracemalloc.start()
    bilan_xlsx.lire(contenu, contexte)
    _, pic_python = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "cas": cas, "octets": len(contenu), "construction_s": construction, "duree_s": mur, "cpu_s": cpu,
        "croissance_rss_mo": (hwm - rss_avant) / 1024 if pic_reinitialise and hwm and rss_avant else None,
        "maxrss_avant_mo": maxrss_avant / 1024, "maxrss_apres_mo": maxrss_apres / 1024,
        "pic_tracemalloc_mo": pic_python / (1024 * 1024), "refuse": resultat.fichier_refuse,
        "message": (resultat.erreurs or [""])[0],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lignes", type=int, default=3_000_000, help="rows of the bomb (default 3,000,000)")
    parser.add_argument("--cas", nargs="*", default=CAS, help="cases of the corpus to measure")
    parser.add_argument("--un", help=argparse.SUPPRESS)  # internal: measure one case in this process
    parser.add_argument("--rapide", action="store_true", default=os.environ.get("BENCH_RAPIDE") == "1",
                        help="petit volume, pour vérifier en CI que le script tourne (ou BENCH_RAPIDE=1)")
    args = parser.parse_args()
    if args.rapide and not args.un:
        args.lignes = 30_000
    if args.un:
        print(json.dumps(mesurer(args.un, args.lignes)))
        return 0
    print(f"{'cas':26} {'fichier':>10} {'construit':>9} {'lecture':>9} {'CPU':>8} {'+RSS':>9} "
          f"{'ru_maxrss':>9} {'tracemalloc':>11}  message")
    echec = False
    for cas in args.cas:
        sortie = subprocess.run([sys.executable, __file__, "--un", cas, "--lignes", str(args.lignes)],
                                capture_output=True, text=True, cwd=RACINE, check=False)
        if sortie.returncode:
            print(f"{cas:26} ÉCHEC : {sortie.stderr.strip().splitlines()[-1:]}")
            echec = True
            continue
        m = json.loads(sortie.stdout.strip().splitlines()[-1])
        croissance = f"{m['croissance_rss_mo']:.1f} Mo" if m["croissance_rss_mo"] is not None else "n/d"
        print(f"{cas:26} {m['octets'] / 1024:7.0f} Ko {m['construction_s']:8.2f}s {m['duree_s'] * 1000:7.1f}ms "
              f"{m['cpu_s'] * 1000:6.1f}ms {croissance:>9} {m['maxrss_apres_mo']:6.0f} Mo "
              f"{m['pic_tracemalloc_mo']:8.1f} Mo  {m['message'][:80]}")
        if cas == "bombe" and (not m["refuse"] or m["duree_s"] >= 2 or (m["croissance_rss_mo"] or 0) > 100):
            echec = True
    print("Objectif (bombe) : refus en moins de 2 s, moins de 100 Mo de croissance —",
          "NON ATTEINT" if echec else "atteint")
    return 1 if echec else 0


if __name__ == "__main__":
    sys.exit(main())
