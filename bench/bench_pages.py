"""Key pages against a bare Django page: query count and median time, measured interleaved in one run.

For each key page (ES home, ES dossier, objectives, declaration, ARS home and queues, ANS national
lists and dashboard, finance, planning, payments, SEPA batch, countersigning, simulator) the script
requests the page through Django's test ``Client`` in-process (every middleware, the context
processors, the real template), logged in as the role that uses it, and — interleaved, one after the
other in each round — a *bare* view: the same rows read with ``select_related`` and rendered by a
minimal template, called directly (no middleware). It prints the queries of one request, the
median of ``--repetitions`` rounds for both, and their ratio.

The dataset is ``tests/volumes.py`` (``Jeu``): ``--volume N`` blocks of dossiers in every stage and
state (23 dossiers a block), N perimeter lines, cost lines, audits and notifications on the ES's
dossier. Isolated database: a temporary SQLite file, or ``<name>_bench`` when DATABASE_URL is set.

    .venv/bin/python bench/bench_pages.py                    # --volume 30 --repetitions 15
    .venv/bin/python bench/bench_pages.py --rapide           # small volume (CI: bench/tout_rapide.sh)
    .venv/bin/python bench/bench_pages.py --profil /controles/planning/ --role controleur_ans
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from _commun import creer_base_isolee, rendre_base_isolee, setup_django  # noqa: E402

GABARIT_NU = ("<!doctype html><html lang=fr><body><table>{% for o in rangs %}<tr><td>{{ o }}</td><td>{{ o.pk }}</td>"
              "</tr>{% endfor %}</table></body></html>")


def _pages(jeu) -> list[tuple[str, str, str, object]]:
    """(label, role, url, baseline queryset: the rows the page shows, for the bare view)."""
    from django.urls import reverse

    from candidatures.models import Candidature
    from care_portal.notifications.models import Notification
    from controle.models import Controle
    from conventions.models import Convention
    from declarations.models import Declaration, LigneBilan
    from objectifs.models import ActiveDirectory
    from paiement.models import Paiement

    cand = Candidature.objects.select_related("ght", "entite_juridique", "appel", "region_instructrice")
    decl = Declaration.objects.select_related("candidature__ght", "candidature__entite_juridique",
                                              "candidature__appel")
    ctl = Controle.objects.select_related("declaration__candidature__ght",
                                          "declaration__candidature__entite_juridique",
                                          "declaration__candidature__appel")
    pai = Paiement.objects.select_related("convention__candidature__ght", "convention__candidature__entite_juridique",
                                          "convention__candidature__appel")
    c, d = jeu.dossier, jeu.declaration
    return [
        ("Accueil ES", "referent_es", reverse("comptes:espace_es"), cand.filter(entite_juridique=jeu.ej_es)),
        ("Dossier ES", "referent_es", reverse("candidatures:detail", args=[c.pk]), c.perimetre.all()),
        ("Objectifs", "referent_es", reverse("objectifs:tableau", args=[c.pk]),
         ActiveDirectory.objects.filter(candidature=c).select_related("candidature__entite_juridique",
                                                                       "candidature__ght", "candidature__appel")),
        ("Déclaration", "referent_es", reverse("declarations:detail", args=[d.pk]),
         LigneBilan.objects.filter(declaration=d).select_related("objectif")),
        ("Notifications", "referent_es", reverse("notifications:centre"),
         Notification.objects.filter(destinataire=jeu.referent).order_by("-cree_le")[:30]),
        ("Accueil ARS", "referent_ars", reverse("comptes:file_ars"), cand.exclude(etat="brouillon")[:25]),
        ("File ARS candidatures", "referent_ars", reverse("candidatures:file"), cand.exclude(etat="brouillon")[:25]),
        ("Conventions à envoyer", "referent_ars", reverse("candidatures:file") + "?convention=a_generer",
         cand.filter(etat="complete")[:25]),
        ("File ARS déclarations", "referent_ars", reverse("declarations:file"), decl.exclude(etat="brouillon")[:25]),
        ("Dossiers ARS (bureau)", "referent_ars", reverse("bureau:dossiers"), cand.exclude(etat="brouillon")[:25]),
        ("Recherche ARS (bureau)", "referent_ars", reverse("bureau:dossiers") + "?q=centre+hospitalier",
         cand.filter(entite_juridique__raison_sociale__icontains="centre hospitalier")[:25]),
        ("Dossiers ANS (bureau)", "controleur_ans", reverse("bureau:dossiers"), cand.all()[:25]),
        ("ANS candidatures", "controleur_ans", reverse("candidatures:file"), cand.exclude(etat="brouillon")[:25]),
        ("ANS déclarations", "controleur_ans", reverse("declarations:file"), decl.exclude(etat="brouillon")[:25]),
        ("ANS tableau de bord", "controleur_ans", reverse("comptes:vue_nationale"), cand.all()[:25]),
        ("Planning", "controleur_ans", reverse("controle:planning"), ctl.all()[:50]),
        ("Finances", "secretariat_ans", reverse("paiement:finances"), pai.all()[:25]),
        ("Paiements", "secretariat_ans", reverse("paiement:liste"), pai.all()[:50]),
        ("Lot SEPA", "secretariat_ans", reverse("paiement:lot_detail", args=[jeu.lot.pk]),
         pai.filter(lot=jeu.lot)[:50]),
        ("Simulateur", "secretariat_ans", reverse("paiement:simulateur"), cand.all()[:1]),
        ("Contresignature", "dg_ans", reverse("conventions:contresigner"),
         Convention.objects.filter(etat="signee_es").select_related("candidature__entite_juridique",
                                                                    "candidature__ght", "candidature__appel")[:50]),
    ]


def _vue_nue(qs):
    from django.http import HttpResponse
    from django.template import engines

    gabarit = engines["django"].from_string(GABARIT_NU)

    def vue(request):
        return HttpResponse(gabarit.render({"rangs": list(qs.all() if hasattr(qs, "all") else qs)}, request))

    return vue


def _clients(jeu) -> dict:
    from django.test import Client

    from tests.candidatures.test_views import se_connecter

    clients = {}
    for role, user in jeu.utilisateurs.items():
        clients[role] = Client()
        se_connecter(clients[role], user)
    return clients


def mesurer(jeu, repetitions: int) -> list[dict]:
    from django.db import connection, reset_queries
    from django.test import RequestFactory
    from django.test.utils import CaptureQueriesContext

    clients = _clients(jeu)
    pages = _pages(jeu)
    requete_nue = RequestFactory().get("/")
    resultats = []
    for libelle, role, url, qs in pages:
        client = clients[role]
        r = client.get(url)  # warm
        if r.status_code != 200:
            raise SystemExit(f"{libelle} ({url}) : statut {r.status_code}")
        with CaptureQueriesContext(connection) as ctx:
            client.get(url)
        vue = _vue_nue(qs)
        vue(requete_nue)
        with CaptureQueriesContext(connection) as ctx_nu:
            vue(requete_nue)
        resultats.append({"page": libelle, "url": url, "role": role, "requetes": len(ctx), "requetes_nu": len(ctx_nu),
                          "t": [], "t_nu": [], "vue": vue})
    for _ in range(repetitions):  # interleaved: each round requests every page then its bare view
        for res in resultats:
            t = time.perf_counter()
            clients[res["role"]].get(res["url"])
            res["t"].append(time.perf_counter() - t)
            t = time.perf_counter()
            res["vue"](requete_nue)
            res["t_nu"].append(time.perf_counter() - t)
            reset_queries()
    return resultats


def profiler(jeu, url: str, role: str, repetitions: int) -> None:
    import cProfile
    import pstats

    client = _clients(jeu)[role]
    client.get(url)
    profil = cProfile.Profile()
    profil.enable()
    for _ in range(repetitions):
        client.get(url)
    profil.disable()
    pstats.Stats(profil).sort_stats("cumulative").print_stats(45)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--volume", type=int, default=30, help="blocs de dossiers (23 dossiers par bloc)")
    parser.add_argument("--repetitions", type=int, default=15)
    parser.add_argument("--profil", help="profiler cette URL (cProfile) au lieu de mesurer le tableau")
    parser.add_argument("--role", default="controleur_ans", help="rôle du profil (referent_es, referent_ars…)")
    parser.add_argument("--rapide", action="store_true", default=os.environ.get("BENCH_RAPIDE") == "1",
                        help="petit volume, pour vérifier en CI que le script tourne (ou BENCH_RAPIDE=1)")
    args = parser.parse_args()
    if args.rapide:
        args.volume, args.repetitions = min(args.volume, 2), min(args.repetitions, 2)

    with tempfile.TemporaryDirectory(prefix="ecare-bench-") as tmp:
        if not os.environ.get("DATABASE_URL"):
            os.environ["CARE_VAR_DIR"] = tmp
        os.environ.setdefault("CARE_MEDIA_ROOT", str(Path(tmp) / "media"))
        setup_django()
        import logging

        logging.disable(logging.WARNING)
        from django.conf import settings
        from django.db import connection

        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        settings.DEBUG = False
        base, ancien_nom = creer_base_isolee()
        try:
            from tests.volumes import Jeu

            debut = time.perf_counter()
            jeu = Jeu.creer("bench").grossir(args.volume)
            from candidatures.models import Candidature

            print(f"Base isolée : {connection.vendor} {base} ; volume {args.volume} : "
                  f"{Candidature.objects.count()} candidatures en {time.perf_counter() - debut:.1f} s ; "
                  f"charge {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
            if args.profil:
                profiler(jeu, args.profil, args.role, args.repetitions)
                return
            resultats = mesurer(jeu, args.repetitions)
            print(f"\n{args.repetitions} tours entrelacés (page puis vue nue)\n")
            print("| page | requêtes | médiane | vue nue (requêtes) | médiane nue | ratio |")
            print("|---|---|---|---|---|---|")
            for r in resultats:
                m, mn = statistics.median(r["t"]), statistics.median(r["t_nu"])
                print(f"| {r['page']} | {r['requetes']} | {m * 1000:.1f} ms | {r['requetes_nu']} | "
                      f"{mn * 1000:.1f} ms | {m / mn:.1f}× |")
        finally:
            rendre_base_isolee(ancien_nom)


if __name__ == "__main__":
    main()
