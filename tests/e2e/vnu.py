"""The Nu HTML Checker (vnu) over every document the browser tests receive (issue 23).

The checker is the official jar (npm package ``vnu-jar``, fetched by ``scripts/vnu.sh``, which ``make test``
runs), started once per test process as an HTTP service on 127.0.0.1 (``nu.validator.servlet.Main``): a page
is checked in a few milliseconds instead of a JVM start per page. What is checked is the HTML the server
sent (the main-frame responses), not the DOM after DSFR's JavaScript.

Without Java or the jar the check is skipped with a warning; under CARE_REQUIRE_SERVICES=1 (CI) the
browser tests fail instead.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

RACINE = Path(__file__).resolve().parents[2]
JAR = Path(os.environ.get("CARE_VNU_JAR", RACINE / ".cache/vnu/node_modules/vnu-jar/build/dist/vnu.jar"))


class VnuIndisponible(RuntimeError):
    pass


def _port_libre() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Verificateur:
    """One vnu service for the process; ``erreurs(html)`` → the list of its errors (dicts of vnu's JSON)."""

    def __init__(self) -> None:
        java = shutil.which("java")
        if java is None:
            raise VnuIndisponible("Java est absent (apt-get install -y default-jre-headless)")
        if not JAR.exists():
            raise VnuIndisponible(f"Le vérificateur HTML est absent ({JAR}) : bash scripts/vnu.sh")
        self.port = _port_libre()
        self.processus = subprocess.Popen(
            [java, "-Xss4m", "-Dnu.validator.servlet.bind-address=127.0.0.1", "-cp", str(JAR),
             "nu.validator.servlet.Main", str(self.port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.deja_vus: dict[str, list[dict]] = {}
        fin = time.monotonic() + 60
        while True:
            try:
                self._poster("<!doctype html><html lang=fr><title>t</title></html>")
                return
            except OSError:
                if self.processus.poll() is not None or time.monotonic() > fin:
                    self.arreter()
                    raise VnuIndisponible("Le vérificateur HTML n'a pas démarré") from None
                time.sleep(0.3)

    def _poster(self, html: str) -> list[dict]:
        requete = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/?out=json", data=html.encode("utf-8"),
            headers={"Content-Type": "text/html; charset=utf-8", "User-Agent": "ecare-tests"})
        with urllib.request.urlopen(requete, timeout=30) as reponse:  # noqa: S310 — our own local service
            messages = json.loads(reponse.read())["messages"]
        return [m for m in messages if m.get("type") == "error"
                or (m.get("type") == "non-document-error")]

    def erreurs(self, html: str) -> list[dict]:
        cle = hashlib.sha256(html.encode("utf-8")).hexdigest()
        if cle not in self.deja_vus:
            self.deja_vus[cle] = self._poster(html)
        return self.deja_vus[cle]

    def arreter(self) -> None:
        if self.processus.poll() is None:
            self.processus.terminate()
            try:
                self.processus.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.processus.kill()


def decrire(chemin: str, erreurs: list[dict], html: str) -> str:
    lignes = html.splitlines()
    sortie = []
    for e in erreurs[:20]:
        n = e.get("lastLine") or e.get("firstLine") or 0
        extrait = lignes[n - 1].strip()[:160] if 0 < n <= len(lignes) else e.get("extract", "")
        sortie.append(f"  - {chemin} ligne {n} : {e.get('message')}\n      {extrait}")
    if len(erreurs) > 20:
        sortie.append(f"  … et {len(erreurs) - 20} autre(s)")
    return "\n".join(sortie)
