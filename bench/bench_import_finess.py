"""Benchmark of the FINESS import at national scale: time, throughput and peak memory.

    .venv/bin/python bench/bench_import_finess.py [--lines 50000] [--petit 10000]

Generates a realistic establishment file (``--lines`` structureet lines, Latin-1, followed by as
many geolocalisation lines, as in the real extraction) and its EJ file (one EJ for two ET,
UTF-8), in a temporary directory. The database is isolated: a temporary SQLite file
(CARE_VAR_DIR pointed at the temporary directory before django.setup()), or, when DATABASE_URL
is set, a ``<name>_bench`` database created and dropped by Django's test-database machinery.

Each size runs in fresh child processes so that ru_maxrss (a process-wide high-water mark) belongs
to that size alone: one child times the imports without tracemalloc (its overhead would distort
the times), another measures tracemalloc's peak during each import call. Three imports per size:
the first (everything created), a re-import of the same files (everything unchanged), and a
re-import where one ET line in ten changed. Wall time and the process's CPU time are both shown:
on a shared machine the wall time depends on the load, the CPU time much less (with PostgreSQL the
server's own CPU is not in it). The smaller size (``--petit``) shows that memory does
not grow with the file.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
import urllib.parse
from pathlib import Path

from _commun import creer_base_isolee, rendre_base_isolee, setup_django  # noqa: E402

ENTETE = "finess;etalab;93;2024-12-31"
OUTRE_MER_FINESS = {"971": "9A", "972": "9B", "973": "9C", "974": "9D", "976": "9F"}
NOMS = [
    "CENTRE HOSPITALIER DE {v}", "Hôpital privé de {v}", "Clinique Sainte-Anne de {v}",
    "EHPAD Les Érables - {v}", "Centre de santé mutualiste de {v}", "Polyclinique de l'Europe {v}",
]
VILLES = ["SAINT-NAZAIRE", "BORDEAUX", "LYON", "NÎMES", "CRÉTEIL", "AJACCIO", "POINTE-À-PITRE", "BREST"]



# --- files --------------------------------------------------------------------------------------


def _numero(dep: str, n: int) -> str:
    from care_portal.referentiel.finess import cle_luhn

    body = f"970{dep[2]}{n:04d}" if len(dep) == 3 else f"{dep}{n:06d}"
    return body + cle_luhn(body)


def _code_postal(dep: str) -> str:
    if len(dep) == 3:
        return dep + "00"
    return "20000" if dep in ("2A", "2B") else dep + "000"


def generer(dossier: Path, lignes: int, departements: list[str], modifies: bool = False) -> tuple[Path, Path]:
    """An ET file of ``lignes`` structureet (+ as many geolocalisation) lines and its EJ file."""
    if lignes > 4000 * len(departements):
        raise SystemExit(f"--lines au plus {4000 * len(departements)} (numérotation outre-mer)")
    suffixe = "_modifie" if modifies else ""
    chemin_et = dossier / f"et_{lignes}{suffixe}.csv"
    chemin_ej = dossier / f"ej_{lignes}.csv"
    numeros_et = []
    with chemin_et.open("w", encoding="latin-1", newline="\n") as et:
        et.write(ENTETE + "\n")
        for i in range(lignes):
            dep = departements[i % len(departements)]
            rang = i // len(departements)
            numero_et = _numero(dep, 5000 + rang if len(dep) == 3 else 500000 + rang)
            numero_ej = _numero(dep, rang // 2)
            numeros_et.append(numero_et)
            ville = VILLES[i % len(VILLES)]
            rs = NOMS[i % len(NOMS)].format(v=ville)
            datemaj = "2024-03-01"
            if modifies and i % 10 == 0:
                rs, datemaj = rs + " (regroupé)", "2025-01-15"
            et.write(";".join([
                "structureet", numero_et, numero_ej, rs[:38], rs, "", "", str(1 + i % 200), "R", "DES LILAS",
                "", "", f"{i % 999:03d}", OUTRE_MER_FINESS.get(dep, dep), "DEPARTEMENT",
                f"{_code_postal(dep)} {ville}",
                "0556000000", "", "355", "Centre Hospitalier (C.H.)", "1102", "Centres Hospitaliers",
                "26330000100017", "8610Z", "03", "ARS établissements Publics de santé dotation globale", "1",
                "Etablissement public de santé", "1970-01-01", "1970-01-01", datemaj, "",
            ]) + "\n")
        for numero_et in numeros_et:
            et.write(f"geolocalisation;{numero_et};417242.7;6422335.4;1,ATLASANTE,100,IGN,BD_ADRESSE,V2.2,"
                     "LAMBERT_93;2024-01-05\n")
    if not chemin_ej.exists():
        with chemin_ej.open("w", encoding="utf-8", newline="\n") as ej:
            ej.write(ENTETE + "\n")
            # Exactly the EJ the ET lines point to: ET of rank 2k and 2k+1 in a département share one.
            for i in range(lignes):
                dep = departements[i % len(departements)]
                rang = i // len(departements)
                if rang % 2:
                    continue
                statut = ("13", "61", "72")[i % 3]
                ej.write(";".join([
                    "structureej", _numero(dep, rang // 2), f"ENTITÉ JURIDIQUE {i}", "", "", "", "1", "R",
                    "DE PARIS", "", "", "001", OUTRE_MER_FINESS.get(dep, dep), "DEPARTEMENT",
                    f"{_code_postal(dep)} {VILLES[i % len(VILLES)]}", "", "", statut, "Libellé du statut",
                    "263300001", "1970-01-01", "2024-03-01",
                ]) + "\n")
    return chemin_et, chemin_ej


# --- child: the measured process ---------------------------------------------------------------


def enfant(args: argparse.Namespace) -> None:
    setup_django()
    from django.db import connection

    from care_portal.referentiel.imports import importer_entites_juridiques, importer_etablissements
    from care_portal.referentiel.models import GHT, EntiteJuridique, EtablissementGeographique

    # Raw DELETE: the ORM's delete() would load every row first and inflate the baseline RSS.
    with connection.cursor() as curseur:
        for modele in (GHT.membres.through, GHT, EtablissementGeographique, EntiteJuridique):
            curseur.execute(f"DELETE FROM {connection.ops.quote_name(modele._meta.db_table)}")
    memoire = args.mode == "memoire"
    resultats = {"rss_depart_mo": _rss_mo(), "moteur": connection.vendor, "passes": []}
    for nom, et in (("premier import", args.et), ("ré-import identique", args.et),
                    ("ré-import, 10 % modifiés", args.et_modifie)):
        if memoire:
            tracemalloc.start()
            tracemalloc.reset_peak()
        debut, debut_cpu = time.perf_counter(), time.process_time()
        r_ej = importer_entites_juridiques(args.ej, taille_lot=args.taille_lot)
        r_et = importer_etablissements(et, taille_lot=args.taille_lot)
        duree, cpu = time.perf_counter() - debut, time.process_time() - debut_cpu
        lignes_structure = sum(
            r.crees + r.mis_a_jour + r.inchanges + r.rejetes for r in (r_ej, r_et)
        )
        passe = {
            "nom": nom, "duree_s": round(duree, 2), "cpu_s": round(cpu, 2),
            "lignes_par_s": round(lignes_structure / duree),
            "rss_max_mo": _rss_mo(),
            "et": [r_et.crees, r_et.mis_a_jour, r_et.inchanges, r_et.rejetes],
            "ej": [r_ej.crees, r_ej.mis_a_jour, r_ej.inchanges, r_ej.rejetes],
        }
        if memoire:
            passe["tracemalloc_pic_mo"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
            tracemalloc.stop()
        resultats["passes"].append(passe)
    resultats["lignes_en_base"] = EtablissementGeographique.objects.count()
    print(json.dumps(resultats))


def _rss_mo() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # KiB on Linux


# --- parent: isolated database, files, children, table ------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=50_000, help="lignes structureet du grand fichier")
    parser.add_argument("--petit", type=int, default=10_000, help="lignes du petit fichier (0 : sans)")
    parser.add_argument("--taille-lot", type=int, default=1000)
    parser.add_argument("--enfant", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--mode", choices=["temps", "memoire"], help=argparse.SUPPRESS)
    parser.add_argument("--et", help=argparse.SUPPRESS)
    parser.add_argument("--et-modifie", help=argparse.SUPPRESS)
    parser.add_argument("--ej", help=argparse.SUPPRESS)
    parser.add_argument("--rapide", action="store_true", default=os.environ.get("BENCH_RAPIDE") == "1",
                        help="petit volume, pour vérifier en CI que le script tourne (ou BENCH_RAPIDE=1)")
    args = parser.parse_args()
    if args.rapide and not args.enfant:
        args.lines, args.petit = 2_000, 0
    if args.enfant:
        enfant(args)
        return

    with tempfile.TemporaryDirectory(prefix="ecare-bench-") as tmp:
        dossier = Path(tmp)
        if not os.environ.get("DATABASE_URL"):
            os.environ["CARE_VAR_DIR"] = tmp  # before django.setup(): the SQLite file lives there
        setup_django()
        from django.db import connection

        from care_portal.referentiel.models import Departement

        env = dict(os.environ)
        base, ancien_nom = creer_base_isolee()
        if ancien_nom is not None:  # the import runs in child processes: they open the bench's database
            url = urllib.parse.urlsplit(os.environ["DATABASE_URL"])
            env["DATABASE_URL"] = urllib.parse.urlunsplit(url._replace(path="/" + base))
        departements = sorted(
            code for code in Departement.objects.values_list("code", flat=True)
            if len(code) == 2 or code in OUTRE_MER_FINESS
        )
        connection.close()
        print(f"Base isolée : {connection.vendor} {base}")
        try:
            tailles = [t for t in (args.petit, args.lines) if t]
            for lignes in tailles:
                et, ej = generer(dossier, lignes, departements)
                et_modifie, _ = generer(dossier, lignes, departements, modifies=True)
                mesures = {}
                for mode in ("temps", "memoire"):
                    commande = [
                        sys.executable, __file__, "--enfant", "--mode", mode, "--lines", str(lignes),
                        "--taille-lot", str(args.taille_lot), "--et", str(et),
                        "--et-modifie", str(et_modifie), "--ej", str(ej),
                    ]
                    processus = subprocess.run(commande, env=env, capture_output=True, text=True)
                    if processus.returncode:
                        raise SystemExit(f"mesure {mode} ({lignes} lignes) en échec :\n{processus.stderr}")
                    sortie = processus.stdout
                    mesures[mode] = json.loads(sortie.strip().splitlines()[-1])
                _afficher(lignes, et, ej, mesures)
        finally:
            rendre_base_isolee(ancien_nom)


def _afficher(lignes: int, et: Path, ej: Path, mesures: dict) -> None:
    temps, memoire = mesures["temps"], mesures["memoire"]
    nb_ej = sum(temps["passes"][0]["ej"])
    print(
        f"\n{lignes} établissements + {lignes} lignes geolocalisation ({et.stat().st_size / 2**20:.1f} Mo), "
        f"{nb_ej} EJ ({ej.stat().st_size / 2**20:.1f} Mo) — {temps['moteur']}, "
        f"RSS après django.setup() : {temps['rss_depart_mo']} Mo"
    )
    print(
        f"  {'passe':<26} {'durée':>8} {'CPU':>8} {'lignes/s':>9} {'RSS max':>9} {'pic tracemalloc':>16}"
        "  ET créés/maj/inch/rej"
    )
    for p_temps, p_memoire in zip(temps["passes"], memoire["passes"], strict=True):
        print(
            f"  {p_temps['nom']:<26} {p_temps['duree_s']:>7.2f}s {p_temps['cpu_s']:>7.2f}s "
            f"{p_temps['lignes_par_s']:>9} "
            f"{p_temps['rss_max_mo']:>6.1f} Mo {p_memoire['tracemalloc_pic_mo']:>13.1f} Mo  "
            f"{'/'.join(map(str, p_temps['et']))}"
        )


if __name__ == "__main__":
    main()
