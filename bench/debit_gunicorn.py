"""Throughput of one page under gunicorn (issue 19): starts gunicorn (``-w 2`` by default) on the current
database (the demo's: run ``make demo`` or ``manage.py seed_demo`` first, same ``CARE_VAR_DIR`` or
``DATABASE_URL``), logs a demo account in (an OTP-verified session for an agent), then N client threads
request the page for D seconds and the script prints requests per second, median and p95.

    .venv/bin/python bench/debit_gunicorn.py                                  # ARS queue, 1 and 4 clients
    .venv/bin/python bench/debit_gunicorn.py --url /controles/planning/ --compte controleur@demo.ecare.fr

The client threads run on the same machine as gunicorn: the figures are a lower bound."""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

RACINE = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="/candidatures/instruction/")
    parser.add_argument("--compte", default="referent.ars@demo.ecare.fr")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", default="1,4")
    parser.add_argument("--duree", type=float, default=20)
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "care_portal.settings.base")
    sys.path.insert(0, str(RACINE))
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from care_portal.comptes.models import User

    settings.ALLOWED_HOSTS = ["*"]
    user = User.objects.get(email=args.compte)
    client = Client()
    client.force_login(user)
    session = client.session
    appareil = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if appareil is not None:
        session[DEVICE_ID_SESSION_KEY] = appareil.persistent_id
    session.save()
    cookie = f"{settings.SESSION_COOKIE_NAME}={session.session_key}"

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    serveur = subprocess.Popen([sys.executable, "-m", "gunicorn", "care_portal.wsgi", "-w", str(args.workers),
                                "-b", f"127.0.0.1:{port}", "--timeout", "30"], cwd=RACINE,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}{args.url}"

    def requete() -> float:
        debut = time.perf_counter()
        with urllib.request.urlopen(urllib.request.Request(url, headers={"Cookie": cookie})) as reponse:
            reponse.read()
            if reponse.status != 200:
                raise RuntimeError(f"{url} : HTTP {reponse.status}")
        return time.perf_counter() - debut

    try:
        for _ in range(100):
            try:
                requete()
                break
            except OSError:
                time.sleep(0.2)
        print(f"{url} ({args.compte}), gunicorn -w {args.workers}, {args.duree:.0f} s par mesure")
        print("| clients | req/s | médiane | p95 |\n|---|---|---|---|")
        for n in (int(x) for x in args.clients.split(",")):
            fin, durees, verrou = time.monotonic() + args.duree, [], threading.Lock()

            def boucle(fin=fin, durees=durees, verrou=verrou):
                while time.monotonic() < fin:
                    d = requete()
                    with verrou:
                        durees.append(d)

            fils = [threading.Thread(target=boucle) for _ in range(n)]
            for f in fils:
                f.start()
            for f in fils:
                f.join()
            durees.sort()
            print(f"| {n} | {len(durees) / args.duree:.1f} | {statistics.median(durees) * 1000:.0f} ms "
                  f"| {durees[int(len(durees) * 0.95)] * 1000:.0f} ms |")
    finally:
        serveur.terminate()
        serveur.wait(timeout=15)
    return 0


if __name__ == "__main__":
    sys.exit(main())
