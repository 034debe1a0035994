"""Countersigning 1,000 conventions through the DG ANS's pages, in lots (issue 19).

Builds, in an isolated database (a temporary SQLite file, or a ``<name>_bench`` database when
DATABASE_URL is set), ``--nombre`` conventions « signée par l'établissement » cheaply
(tests/conventions/lots.py: one convention through the real services — generation, sending, the
signatory's code, the ES seal —, the others made complete by the factories, each with the bytes of that
ES-signed PDF deposited through the documents service), then plays the DG's flow with Django's test
client, lot after lot, as in production (tasks published to a broker, not run in the request):

    GET  the queue (25 a page, counts)                       « file »
    POST « Recevoir un code pour les prochaines conventions » « code »      (the next ``--lot``)
    POST the code                                             « contresigner » (checks it, opens the lot)
    GET  the lot's page while it is sealed                     « avancement »
    the worker: each convention sealed by the task's body, one transaction each (« scellement »)

and prints, per kind of request, the count, the median, the maximum and the SQL queries; then the
sealing time per convention. Exit status 1 when a request takes more than ``--plafond`` seconds (5).
The DG may ask one code a minute: the bench ages the previous code instead of waiting.

    .venv/bin/python bench/bench_contresignature.py                 # 1 000 conventions, lots of 50
    .venv/bin/python bench/bench_contresignature.py --nombre 60     # quick mode (CI)
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from _commun import creer_base_isolee, rendre_base_isolee, setup_django  # noqa: E402


def _ms(s: float) -> str:
    return f"{s * 1000:.0f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nombre", type=int, default=1000, help="conventions à contresigner (défaut : 1000)")
    parser.add_argument("--lot", type=int, default=50, help="conventions par lot (défaut : 50)")
    parser.add_argument("--plafond", type=float, default=5.0, help="durée maximale d'une requête, en secondes")
    parser.add_argument("--rapide", action="store_true",
                        help="petit volume (60 conventions, lots de 25), pour vérifier que le banc tourne (CI)")
    args = parser.parse_args()
    if args.rapide or os.environ.get("BENCH_RAPIDE") == "1":
        args.nombre, args.lot = min(args.nombre, 60), min(args.lot, 25)

    with tempfile.TemporaryDirectory(prefix="ecare-bench-") as tmp:
        if not os.environ.get("DATABASE_URL"):
            os.environ["CARE_VAR_DIR"] = tmp
        os.environ.setdefault("CARE_MEDIA_ROOT", str(Path(tmp) / "media"))
        os.environ.pop("REDIS_URL", None)  # the embedded mode: in-memory broker (made non-eager below)
        setup_django()
        import logging

        for nom in ("weasyprint", "fontTools", "celery", "django.request", "axes", "care_portal", "candidatures"):
            logging.getLogger(nom).setLevel(logging.ERROR)
        from django.conf import settings
        from django.db import connection, reset_queries
        from django.test.utils import CaptureQueriesContext, setup_test_environment

        setup_test_environment()  # locmem e-mail, test client's response context
        settings.ALLOWED_HOSTS = ["*"]
        settings.MEDIA_ROOT = str(Path(tmp) / "media")
        settings.STORAGES = {**settings.STORAGES, "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": settings.MEDIA_ROOT}}}
        settings.CLAMAV_SOCKET = ""  # no antivirus in the bench
        settings.CARE_LIMITES = {**settings.CARE_LIMITES, "code_signature": {"ip": "10000/h", "compte": "10000/h"}}
        dossier = Path(tmp) / "signature"
        dossier.mkdir()
        settings.SIGNATURE_CERTIFICAT, settings.SIGNATURE_CLE = dossier / "plateforme.crt", dossier / "plateforme.key"
        from care_portal.signature import pades

        pades.generer_certificat_auto_signe(settings.SIGNATURE_CERTIFICAT, settings.SIGNATURE_CLE)

        base, ancien_nom = creer_base_isolee()
        print(f"Base isolée : {connection.vendor} {base} ; charge : {os.getloadavg()[0]:.2f} ({os.cpu_count()} cœurs)")
        try:
            return _jouer(args, CaptureQueriesContext, reset_queries)
        finally:
            rendre_base_isolee(ancien_nom)


def _jouer(args, CaptureQueriesContext, reset_queries) -> int:
    from django.db import connection
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from care_portal.celery import app
    from conventions.models import CodeSignature, Convention, ElementContresignature, LotContresignature
    from tests.candidatures.test_views import se_connecter
    from tests.conventions.conventions import dernier_code, dg_ans
    from tests.conventions.lots import conventions_signees_es, modele_signe_es

    debut = time.perf_counter()
    modele = modele_signe_es()
    conventions_signees_es(args.nombre - 1, modele=modele, departements=("33", "75", "69", "13", "59", "35"))
    print(f"{args.nombre} conventions signées par l'établissement préparées en {time.perf_counter() - debut:.1f} s")

    app.conf.task_always_eager = False  # as in production: the request publishes, a worker seals
    dg = dg_ans()
    client = Client()
    se_connecter(client, dg)
    url = reverse("conventions:contresigner")
    mesures: dict[str, list[tuple[float, int]]] = defaultdict(list)

    def requete(nom: str, methode: str, chemin: str, donnees=None, attendu: int = 200):
        reset_queries()
        with CaptureQueriesContext(connection) as requetes:
            t = time.perf_counter()
            reponse = getattr(client, methode)(chemin, donnees or {})
            duree = time.perf_counter() - t
        if reponse.status_code != attendu:
            raise SystemExit(f"{nom} : statut {reponse.status_code} au lieu de {attendu}\n"
                             f"{reponse.content.decode()[:2000]}")
        mesures[nom].append((duree, len(requetes)))
        return reponse

    def travailleur(chronos: list[float] | None = None) -> int:
        """The worker: run the published tasks (in-memory broker) in order, each as Celery runs it."""
        faits = 0
        with app.connection_for_read() as connexion:
            file = connexion.SimpleQueue(app.conf.task_default_queue, no_ack=True)
            while True:
                try:
                    message = file.get(block=False)
                except file.Empty:
                    break
                nom, (arguments, nommes, _) = message.headers["task"], message.decode()
                t = time.perf_counter()
                app.tasks[nom].apply(arguments, nommes, task_id=message.headers["id"])
                if chronos is not None and nom == "conventions.contresigner":
                    chronos.append(time.perf_counter() - t)
                faits += 1
            file.close()
        return faits

    scellements: list[float] = []
    lots = 0
    debut = time.perf_counter()
    while Convention.objects.filter(etat=Convention.Etat.SIGNEE_ES).exists():
        requete("file (page 1)", "get", url)
        requete("file (page 2)", "get", url + "?page=2")
        CodeSignature.objects.filter(utilisateur=dg).update(cree_le=timezone.now() - datetime.timedelta(minutes=5))
        requete("code pour les suivantes", "post", url, {"action": "code", "selection": "suivantes",
                                                         "nombre": str(args.lot)})
        travailleur()  # the e-mail with the code
        reponse = requete("contresigner (code)", "post", url, {"action": "contresigner", "code": dernier_code(dg.email)},
                          attendu=302)
        lot = LotContresignature.objects.latest("pk")
        requete("avancement (en cours)", "get", reponse["Location"])
        travailleur(scellements)  # the lot's tasks, then the establishments' e-mails
        if lot.elements.filter(etat=ElementContresignature.Etat.A_SCELLER).exists():
            raise SystemExit(f"Lot {lot.pk} : des conventions n'ont pas été scellées par le travailleur.")
        requete("avancement (terminé)", "get", reponse["Location"])
        lots += 1
    total = time.perf_counter() - debut
    faites = Convention.objects.filter(etat=Convention.Etat.SIGNEE).count()
    echecs = ElementContresignature.objects.filter(etat=ElementContresignature.Etat.ECHEC).count()
    print(f"{faites} conventions contresignées en {lots} lots de {args.lot} ({echecs} échec(s)) en {total:.1f} s\n")
    print("| requête | nombre | médiane | max | requêtes SQL (max) |")
    print("|---|---|---|---|---|")
    pire = 0.0
    for nom, valeurs in mesures.items():
        durees = [d for d, _ in valeurs]
        pire = max(pire, max(durees))
        print(f"| {nom} | {len(valeurs)} | {_ms(statistics.median(durees))} | {_ms(max(durees))} "
              f"| {max(q for _, q in valeurs)} |")
    print(f"| scellement d'une convention (tâche, hors requête) | {len(scellements)} "
          f"| {_ms(statistics.median(scellements))} | {_ms(max(scellements))} | — |")
    print(f"\nRequête la plus longue : {_ms(pire)} (plafond {args.plafond:g} s).")
    if faites != args.nombre or echecs:
        print("ÉCHEC : toutes les conventions n'ont pas été contresignées.")
        return 1
    if pire > args.plafond:
        print("ÉCHEC : une requête dépasse le plafond.")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
