"""Upload memory does not grow with file size: peak memory of one upload through the real view.

    .venv/bin/python bench/bench_upload.py                 # 20 MB and 200 MB, no antivirus
    .venv/bin/python bench/bench_upload.py --clamd         # the same with a local clamd scanning each file
    .venv/bin/python bench/bench_upload.py --tailles 5 50 200
    .venv/bin/python bench/bench_upload.py --temoin        # control: Django's in-memory handler instead

For each size, a fresh Python process (the "server") sets up Django on the embedded default (a
throw-away SQLite database and media directory), logs a user in and POSTs a generated ZIP
(an "ORADAD export" of random bytes) to ``documents:deposer`` through Django's WSGI handler
— the whole middleware stack, the multipart parser with settings.FILE_UPLOAD_HANDLERS, the
form, ``document_deposer`` (type check, SHA-256, copy to storage), and with ``--clamd`` the
antivirus scan run in-process at commit (embedded mode). The request body is streamed from the
file on disk, never built in memory. Measured in that process:

- RSS before the request, and its peak during the request (Linux VmHWM, reset just before the
  request through /proc/self/clear_refs);
- the peak of Python allocations during a second, identical request (tracemalloc).

``--temoin`` (control) swaps the portal's handlers for Django's in-memory one, to show that the
measure does see an upload held in memory.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

RACINE = Path(__file__).resolve().parent.parent
MO = 1024 * 1024
LIMITE = "----ecare-bench-limite"


# --- parent: prepare, run one child per size, print the table -----------------------------------

def generer_zip(chemin: Path, taille_mo: int) -> str:
    """A ZIP of ``taille_mo`` MiB of random bytes, written in 1 MiB blocks; returns its SHA-256."""
    with zipfile.ZipFile(chemin, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
        archive.writestr("oradad/config-oradad.xml", "<config/>")
        with archive.open("oradad/export.bin", "w", force_zip64=True) as sortie:
            for _ in range(taille_mo):
                sortie.write(os.urandom(MO))
    empreinte = hashlib.sha256()
    with open(chemin, "rb") as f:
        while bloc := f.read(MO):
            empreinte.update(bloc)
    return empreinte.hexdigest()


def principal(args) -> None:
    dossier = Path(tempfile.mkdtemp(prefix="ecare-bench-upload-"))
    env = {**os.environ, "CARE_VAR_DIR": str(dossier / "var"), "DJANGO_SETTINGS_MODULE": "care_portal.settings.base",
           "LOG_LEVEL": "WARNING", "CARE_DOCUMENTS_TAILLE_MAX": str(max(args.tailles) * MO + 10 * MO)}
    for cle in ("DATABASE_URL", "REDIS_URL", "S3_BUCKET", "CLAMD_SOCKET", "CLAMD_HOST"):
        env.pop(cle, None)
    clamd = None
    if args.temoin:
        env["BENCH_TEMOIN"] = "1"
    if args.clamd:
        sys.path.insert(0, str(RACINE))
        from tests.documents.clamd_local import demarrer_clamd

        clamd = demarrer_clamd()
        env["CLAMD_SOCKET"] = clamd.socket
    try:
        print(f"préparation : base SQLite et fichiers dans {dossier}", flush=True)
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=RACINE, env=env, check=True)
        lignes = []
        for taille in args.tailles:
            chemin = dossier / f"export-{taille}mo.zip"
            sha256 = generer_zip(chemin, taille)
            sortie = subprocess.run(
                [sys.executable, __file__, "--mesurer", str(chemin), "--sha256", sha256], cwd=RACINE, env=env,
                capture_output=True, text=True,
            )
            if sortie.returncode != 0:
                raise SystemExit(f"la mesure de {taille} Mo a échoué :\n{sortie.stderr[-4000:]}")
            mesure = json.loads(sortie.stdout.strip().splitlines()[-1])
            lignes.append(mesure)
            chemin.unlink()
            print(json.dumps(mesure), flush=True)
    finally:
        if clamd is not None:
            clamd.arreter()
        subprocess.run(["rm", "-rf", str(dossier)], check=False)

    print()
    print(f"antivirus : {'clamd local (analyse dans la requête, mode embarqué)' if args.clamd else 'aucun'}"
          + (" ; TÉMOIN : gestionnaire d'envoi en mémoire de Django" if args.temoin else ""))
    print("| fichier | RSS avant | pic RSS pendant la requête | hausse | pic Python (tracemalloc) | durée |")
    print("|---|---|---|---|---|---|")
    for m in lignes:
        print(f"| {m['fichier_mo']:.0f} Mo | {m['rss_avant_mo']:.1f} Mo | {m['pic_rss_mo']:.1f} Mo | "
              f"+{m['hausse_rss_mo']:.1f} Mo | {m['pic_python_mo']:.2f} Mo | {m['duree_s']:.1f} s |")


# --- child: the "server" process -----------------------------------------------------------------

def _statut(cle: str) -> float:
    for ligne in Path("/proc/self/status").read_text().splitlines():
        if ligne.startswith(cle + ":"):
            return int(ligne.split()[1]) / 1024  # kB → MiB
    raise RuntimeError(cle)


def _remettre_pic_a_zero() -> None:
    Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS (Linux ≥ 4.0)


class CorpsMultipart:
    """The multipart body (header, the file read from disk, trailer) as a stream: never in memory."""

    def __init__(self, chemin: Path, jeton_csrf: str):
        self.entete = (
            f'--{LIMITE}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n{jeton_csrf}\r\n'
            f'--{LIMITE}\r\nContent-Disposition: form-data; name="suivant"\r\n\r\n/\r\n'
            f'--{LIMITE}\r\nContent-Disposition: form-data; name="fichier"; filename="{chemin.name}"\r\n'
            f"Content-Type: application/zip\r\n\r\n"
        ).encode()
        self.fin = f"\r\n--{LIMITE}--\r\n".encode()
        self.taille = len(self.entete) + chemin.stat().st_size + len(self.fin)
        self.parties = [_Octets(self.entete), open(chemin, "rb"), _Octets(self.fin)]  # noqa: SIM115

    def read(self, n: int = -1) -> bytes:
        morceaux = []
        while self.parties and (n < 0 or sum(map(len, morceaux)) < n):
            reste = -1 if n < 0 else n - sum(map(len, morceaux))
            bloc = self.parties[0].read(reste)
            if not bloc:
                self.parties.pop(0).close()
                continue
            morceaux.append(bloc)
        return b"".join(morceaux)

    def readline(self, limite: int = -1) -> bytes:  # part of the WSGI input API; the parser does not use it
        ligne = b""
        while (limite < 0 or len(ligne) < limite) and not ligne.endswith(b"\n"):
            octet = self.read(1)
            if not octet:
                break
            ligne += octet
        return ligne


class _Octets:
    def __init__(self, donnees: bytes):
        self.donnees, self.position = donnees, 0

    def read(self, n: int = -1) -> bytes:
        fin = len(self.donnees) if n < 0 else self.position + n
        bloc = self.donnees[self.position:fin]
        self.position += len(bloc)
        return bloc

    def close(self) -> None:
        pass


def mesurer(chemin: Path, sha256: str) -> None:
    import tracemalloc

    import django

    sys.path.insert(0, str(RACINE))
    django.setup()
    if os.environ.get("BENCH_TEMOIN") == "1":
        from django.conf import settings

        settings.FILE_UPLOAD_HANDLERS = ["django.core.files.uploadhandler.MemoryFileUploadHandler"]
        settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 2**31 - 1
    from django.contrib.auth import get_user_model
    from django.core.handlers.wsgi import WSGIHandler
    from django.middleware.csrf import _get_new_csrf_string
    from django.test import Client
    from guardian.shortcuts import assign_perm

    from care_portal.comptes.selectors import structures_pour
    from care_portal.documents import acces
    from care_portal.documents.models import Document
    from care_portal.documents.selectors import url_depot
    from care_portal.referentiel.models import Departement, EntiteJuridique, StatutJuridique

    # The owner: a structure and one of its members (the scope permission a confirmed member holds).
    acces.enregistrer(EntiteJuridique, lambda u: structures_pour(u)[0])
    from tests.factories import finess_pour

    ej, _ = EntiteJuridique.objects.get_or_create(
        finess=finess_pour("33", 990001),
        defaults={"raison_sociale": "CH de banc d'essai", "statut": StatutJuridique.PUBLIC,
                  "departement": Departement.objects.get(code="33")},
    )
    user, _ = get_user_model().objects.get_or_create(email="banc@exemple.fr")
    assign_perm("referentiel.acceder_structure", user, ej)
    client = Client()
    client.force_login(user)
    session = client.cookies["sessionid"].value
    csrf = _get_new_csrf_string()
    application = WSGIHandler()

    def envoyer() -> tuple[int, float]:
        corps = CorpsMultipart(chemin, csrf)
        environ = {
            "REQUEST_METHOD": "POST", "PATH_INFO": url_depot(ej, "oradad"), "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "HTTP_HOST": "127.0.0.1",
            "REMOTE_ADDR": "127.0.0.1", "wsgi.url_scheme": "http", "wsgi.input": corps,
            "wsgi.errors": sys.stderr, "CONTENT_LENGTH": str(corps.taille),
            "CONTENT_TYPE": f"multipart/form-data; boundary={LIMITE}",
            "HTTP_COOKIE": f"sessionid={session}; csrftoken={csrf}",
        }
        statut = []
        debut = time.perf_counter()
        reponse = application(environ, lambda s, h, e=None: statut.append(s))
        for _ in reponse:
            pass
        reponse.close()
        duree = time.perf_counter() - debut
        if not statut[0].startswith("302"):
            raise RuntimeError(f"réponse inattendue : {statut[0]}")
        return int(statut[0].split()[0]), duree

    # warm-up: lazy imports, first query, templates, with a small real file
    petit = chemin.with_name("petit.zip")
    with zipfile.ZipFile(petit, "w") as archive:
        archive.writestr("oradad/config-oradad.xml", "<config/>")
    chemin_reel, chemin = chemin, petit
    envoyer()
    chemin = chemin_reel

    _remettre_pic_a_zero()
    rss_avant = _statut("VmRSS")
    _, duree = envoyer()
    pic_rss = _statut("VmHWM")
    doc = Document.objects.order_by("-depose_le").first()
    if doc.sha256 != sha256 or doc.taille != chemin.stat().st_size:
        raise RuntimeError("le document stocké ne correspond pas au fichier envoyé")

    tracemalloc.start()
    envoyer()
    _, pic_python = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    print(json.dumps({
        "fichier_mo": chemin.stat().st_size / MO,
        "rss_avant_mo": round(rss_avant, 1),
        "pic_rss_mo": round(pic_rss, 1),
        "hausse_rss_mo": round(pic_rss - rss_avant, 1),
        "pic_python_mo": round(pic_python / MO, 2),
        "duree_s": round(duree, 2),
        "etat_analyse": doc.etat_analyse,
    }))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tailles", type=int, nargs="+", default=[20, 200], help="tailles en Mo (défaut : 20 200)")
    parser.add_argument("--clamd", action="store_true", help="analyser chaque fichier avec un clamd local")
    parser.add_argument("--temoin", action="store_true", help="témoin : gestionnaire d'envoi en mémoire de Django")
    parser.add_argument("--mesurer", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--sha256", help=argparse.SUPPRESS)
    parser.add_argument("--rapide", action="store_true", default=os.environ.get("BENCH_RAPIDE") == "1",
                        help="petit volume, pour vérifier en CI que le script tourne (ou BENCH_RAPIDE=1)")
    arguments = parser.parse_args()
    if arguments.rapide and not arguments.mesurer:
        arguments.tailles = [2]
    if arguments.mesurer:
        mesurer(arguments.mesurer, arguments.sha256)
    else:
        principal(arguments)
