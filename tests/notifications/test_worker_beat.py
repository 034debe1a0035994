"""The real path: ``celery beat`` (database scheduler) schedules the reminders job, a Celery worker runs
it through Redis and sends the e-mail task to itself; the reminder is sent once however many times
beat fires."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import pytest
from django.db import connection
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from candidatures import services as cs
from care_portal.notifications.models import Envoi, Notification, Rappel
from tests.candidatures import donnees as dc
from tests.factories import AppelFactory, EntiteJuridiqueFactory, EtablissementGeographiqueFactory

RACINE = Path(__file__).resolve().parents[2]


def _env_du_test(stockage: Path) -> dict:
    db = connection.settings_dict
    url = "postgres://{user}@{host}:{port}/{name}".format(
        user=urllib.parse.quote(db["USER"] or "postgres"), host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432, name=db["NAME"])
    return {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "care_portal.settings.test",
            "MEDIA_ROOT": str(stockage)}


def lancer_beat(stockage: Path, tmp_path: Path) -> subprocess.Popen:
    """``celery -A care_portal beat`` with the database scheduler, ticking every second, on the test database."""
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "care_portal", "beat", "--loglevel=INFO", "--max-interval=1",
         "--scheduler=django_celery_beat.schedulers:DatabaseScheduler", f"--pidfile={tmp_path / 'beat.pid'}"],
        cwd=RACINE, env=_env_du_test(stockage), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )


def arreter(proc: subprocess.Popen) -> str:
    proc.send_signal(signal.SIGTERM)
    try:
        sortie, _ = proc.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        sortie, _ = proc.communicate()
    return sortie or ""


def attendre(condition, delai: float = 60.0, proc=None) -> bool:
    fin = time.monotonic() + delai
    while time.monotonic() < fin:
        if condition():
            return True
        if proc is not None and proc.poll() is not None:
            pytest.fail("celery beat s'est arrêté : " + (proc.stdout.read() if proc.stdout else ""))
        time.sleep(0.3)
    return False


@pytest.mark.services
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_beat_et_worker_envoient_un_seul_rappel(celery_worker_process, stockage, tmp_path):
    # a draft whose call closes in 3 days (within the 7 days of the setting): due today
    appel = AppelFactory(ferme_dans=3)
    ej = EntiteJuridiqueFactory()
    EtablissementGeographiqueFactory(entite_juridique=ej)
    referent = dc.referent(ej, email="referent-beat@exemple.fr")
    c = cs.candidature_creer(structure=ej, appel=appel, acteur=referent)
    # the reminders job every 2 seconds (production: every hour), as beat reads it from the database
    toutes_2s, _ = IntervalSchedule.objects.get_or_create(every=2, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.create(name="test-rappels", task="notifications.envoyer_rappels", interval=toutes_2s)
    proc = lancer_beat(stockage, tmp_path)
    try:
        def envoye() -> bool:
            return Envoi.objects.filter(gabarit="rappel_brouillon", statut=Envoi.Statut.ENVOYE).exists()

        assert attendre(envoye, proc=proc), "le rappel n'a pas été envoyé par le worker"
        time.sleep(7)  # beat fires the job three more times meanwhile
    finally:
        journal = arreter(proc)
    assert journal.count("Sending due task test-rappels") >= 4, journal[-3000:]
    time.sleep(1.5)  # the worker finishes the last run
    rappel = Rappel.objects.get()
    assert (rappel.candidature_id, rappel.genre, rappel.echeance) == (c.pk, "brouillon",
                                                                       appel.candidature_fin)
    envoi = Envoi.objects.get(gabarit="rappel_brouillon")
    assert envoi.destinataires == ["referent-beat@exemple.fr"] and envoi.tentatives == 1
    assert rappel.envoi_id == envoi.pk
    assert Notification.objects.filter(destinataire=referent, gabarit="rappel_brouillon").count() == 1
