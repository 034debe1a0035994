"""Outages made for real (issue 24): a Redis of the test's own on a free port, which the test stops and
starts (never the shared one: it is the other tests' broker), a real Celery worker on it, and a TCP
relay between that worker and PostgreSQL that the test cuts and restores (the database "blinks" for the
worker only)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

import pytest

from tests.conftest import exiger_services

RACINE = Path(__file__).resolve().parents[2]


def port_libre() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def attendre(condition, *, delai: float = 60, pas: float = 0.2, message: str = "", pendant=None):
    """Wait for ``condition()`` to be true (calling ``pendant()`` between tries: the catch-up job, as beat
    would run it); fail with ``message`` after ``delai`` seconds."""
    fin = time.monotonic() + delai
    while time.monotonic() < fin:
        if condition():
            return
        if pendant is not None:
            pendant()
        time.sleep(pas)
    pytest.fail(message or "condition non remplie à temps")


class RedisJetable:
    def __init__(self):
        self.executable = shutil.which("redis-server")
        if self.executable is None:
            exiger_services("Redis")
            pytest.fail("redis-server introuvable (paquet Debian redis-server)")
        self.port = port_libre()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None

    def demarrer(self) -> None:
        self.proc = subprocess.Popen(
            [self.executable, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--protected-mode", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        attendre(self.repond, delai=15, message="le Redis du test n'a pas démarré")

    def arreter(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(timeout=10)
            self.proc = None
        attendre(lambda: not self.repond(), delai=10, message="le Redis du test ne s'est pas arrêté")

    def repond(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False


class Relais:
    """A TCP relay 127.0.0.1:port → PostgreSQL that the test can cut (every connection closed, new ones
    refused) and restore."""

    def __init__(self, hote: str, port_cible: int):
        self.cible = (hote, port_cible)
        self.port = port_libre()
        self.ouvert = threading.Event()
        self.connexions: list[socket.socket] = []
        self.verrou = threading.Lock()
        self.serveur: socket.socket | None = None
        self.fil: threading.Thread | None = None

    def retablir(self) -> None:
        self.serveur = socket.socket()
        self.serveur.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.serveur.bind(("127.0.0.1", self.port))
        self.serveur.listen(16)
        self.ouvert.set()
        self.fil = threading.Thread(target=self._accepter, args=(self.serveur,), daemon=True)
        self.fil.start()

    def couper(self) -> None:
        self.ouvert.clear()
        if self.fil is not None:
            self.fil.join(timeout=5)  # the accepting loop sees the flag within 0.1 s
            self.fil = None
        if self.serveur is not None:
            self.serveur.close()  # from now on, connections are refused
            self.serveur = None
        with self.verrou:
            for s in self.connexions:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()
            self.connexions.clear()

    def _accepter(self, serveur: socket.socket) -> None:
        import select

        while self.ouvert.is_set():
            if not select.select([serveur], [], [], 0.1)[0]:
                continue
            try:
                client, _ = serveur.accept()
            except OSError:
                return
            try:
                amont = socket.create_connection(self.cible, timeout=5)
            except OSError:
                client.close()
                continue
            amont.settimeout(None)
            with self.verrou:
                self.connexions += [client, amont]
            for a, b in ((client, amont), (amont, client)):
                threading.Thread(target=self._pomper, args=(a, b), daemon=True).start()

    @staticmethod
    def _pomper(source: socket.socket, destination: socket.socket) -> None:
        try:
            while donnees := source.recv(65536):
                destination.sendall(donnees)
        except OSError:
            pass
        finally:
            for s in (source, destination):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


def url_base(port: int | None = None) -> str:
    from django.db import connection

    db = connection.settings_dict
    url = "postgres://{user}@{host}:{port}/{name}".format(
        user=urllib.parse.quote(db["USER"] or "postgres"), host=db["HOST"] or "127.0.0.1",
        port=port or db["PORT"] or 5432, name=db["NAME"])
    if db.get("PASSWORD"):
        url = url.replace("@", ":" + urllib.parse.quote(db["PASSWORD"]) + "@", 1)
    return url


class Worker:
    """A real Celery worker process (solo pool) on the test's Redis and the test database."""

    compteur = 0

    def __init__(self, redis: RedisJetable, *, env: dict[str, str]):
        Worker.compteur += 1
        self.nom = f"panne-{os.getpid()}-{Worker.compteur}"
        self.redis = redis
        self.env = env
        self.proc: subprocess.Popen | None = None

    def demarrer(self, **env_en_plus: str) -> Worker:
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "care_portal.settings.test", "REDIS_URL": self.redis.url,
               **self.env, **env_en_plus}
        self.journal = open(Path(self.env["MEDIA_ROOT"]).parent / f"{self.nom}.log", "w")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "care_portal", "worker", "--pool=solo", "--loglevel=INFO",
             "-I", "tests.robustesse.lenteur", "--without-gossip", "--without-mingle", "--without-heartbeat",
             "-n", f"{self.nom}@%h"], cwd=RACINE, env=env, stdout=self.journal, stderr=subprocess.STDOUT)
        from care_portal.celery import app

        def pret() -> bool:
            if self.proc.poll() is not None:
                pytest.fail("le worker s'est arrêté : " + self.sortie())
            return any(self.nom in nom for reponse in app.control.ping(timeout=0.5) for nom in reponse)

        attendre(pret, delai=40, message="le worker n'a pas démarré en 40 s")
        return self

    def sortie(self) -> str:
        self.journal.flush()
        return (Path(self.env["MEDIA_ROOT"]).parent / f"{self.nom}.log").read_text()[-4000:]

    def tuer(self) -> None:
        """SIGKILL, as an out-of-memory kill or a lost node does: no clean-up, no acknowledgement."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)

    def arreter(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.journal.close()


def reconfigurer(app) -> None:
    """After a change of broker URL: drop the app's connection and producer pools, or the next tests would
    still talk to this test's Redis once it is gone."""
    app._after_fork()


@pytest.fixture
def redis_jetable():
    exiger_services()
    redis = RedisJetable()
    redis.demarrer()
    from care_portal.celery import app

    # the broker only: the result backend (cached by the app) stays on the shared Redis, which outlives the
    # test; these tests read the outcome in the database, never in a result
    avant = (app.conf.broker_url, app.conf.task_always_eager)
    app.conf.broker_url = redis.url
    app.conf.task_always_eager = False  # this test's work goes through its own Redis
    reconfigurer(app)  # the connection and producer pools now point at it
    yield redis
    app.conf.broker_url, app.conf.task_always_eager = avant
    reconfigurer(app)
    if redis.proc is not None:
        redis.proc.kill()
        redis.proc.wait(timeout=10)


@pytest.fixture
def env_pannes(settings, tmp_path, monkeypatch):
    """What the test process and its workers share: the storage, the platform certificate, and an outbox
    whose catch-up delays are seconds instead of minutes."""
    from care_portal.signature import pades

    media = tmp_path / "media"
    media.mkdir()
    settings.MEDIA_ROOT = media
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(media)}}}
    certificat = tmp_path / "signature"
    certificat.mkdir()
    settings.SIGNATURE_CERTIFICAT = certificat / "plateforme.crt"
    settings.SIGNATURE_CLE = certificat / "plateforme.key"
    pades.generer_certificat_auto_signe(settings.SIGNATURE_CERTIFICAT, settings.SIGNATURE_CLE)
    settings.CARE_TRAVAUX_DELAI_SECONDES = 2
    settings.CARE_TRAVAUX_DELAI_MAX_SECONDES = 4
    settings.CARE_TRAVAUX_DELAI_BROKER_SECONDES = 0
    return {"MEDIA_ROOT": str(media), "SIGNATURE_CERTIFICAT": str(settings.SIGNATURE_CERTIFICAT),
            "SIGNATURE_CLE": str(settings.SIGNATURE_CLE), "DATABASE_URL": url_base(),
            "CARE_TRAVAUX_DELAI_SECONDES": "2", "CARE_TRAVAUX_DELAI_MAX_SECONDES": "4"}


@pytest.fixture
def workers(redis_jetable, env_pannes, transactional_db):
    lances: list[Worker] = []

    def lancer(**env) -> Worker:
        worker = Worker(redis_jetable, env={**env_pannes, **env})
        lances.append(worker)
        return worker.demarrer()

    yield lancer
    for worker in lances:
        worker.arreter()
