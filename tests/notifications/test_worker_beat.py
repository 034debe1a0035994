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
    """``celery -A care_portal beat`` with the database scheduler, ticking every second, on the test database;
    its log goes to ``tmp_path / "beat.log"`` (read while it runs: ``journal_de``)."""
    with open(tmp_path / "beat.log", "w") as journal:  # the child keeps its own descriptor
        return subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "care_portal", "beat", "--loglevel=INFO", "--max-interval=1",
             "--scheduler=django_celery_beat.schedulers:DatabaseScheduler", f"--pidfile={tmp_path / 'beat.pid'}"],
            cwd=RACINE, env=_env_du_test(stockage), stdout=journal, stderr=subprocess.STDOUT, text=True,
        )


def journal_de(tmp_path: Path) -> str:
    return (tmp_path / "beat.log").read_text(errors="replace")


def arreter(proc: subprocess.Popen, tmp_path: Path) -> str:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    return journal_de(tmp_path)


def attendre(condition, delai: float = 60.0, proc=None, tmp_path: Path | None = None) -> bool:
    """Poll ``condition()`` until true (True) or ``delai`` seconds passed (False); fails at once if beat
    (``proc``) stopped."""
    fin = time.monotonic() + delai
    while time.monotonic() < fin:
        if condition():
            return True
        if proc is not None and proc.poll() is not None:
            pytest.fail("celery beat s'est arrêté : " + (journal_de(tmp_path) if tmp_path else ""))
        time.sleep(0.3)
    return False


def worker_au_repos() -> bool:
    """The test's worker (``celery_worker_process``) answers and has no task running nor reserved, and
    the queue is empty: every task sent so far has run (its solo pool does not answer while a task runs)."""
    from care_portal.celery import app

    inspection = app.control.inspect(timeout=1.0)
    moi = f"test-{os.getpid()}@"
    actives = {nom: t for nom, t in (inspection.active() or {}).items() if nom.startswith(moi)}
    reservees = {nom: t for nom, t in (inspection.reserved() or {}).items() if nom.startswith(moi)}
    if not actives or not reservees or any(actives.values()) or any(reservees.values()):
        return False
    with app.connection_for_read() as connexion:
        # declared as the worker declares it (an empty queue has no key in Redis: a passive declaration fails)
        return connexion.default_channel.queue_declare(app.conf.task_default_queue).message_count == 0


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

        assert attendre(envoye, proc=proc, tmp_path=tmp_path), "le rappel n'a pas été envoyé par le worker"

        def quatre_envois() -> bool:  # beat fires the job three more times after the e-mail was sent
            return journal_de(tmp_path).count("Sending due task test-rappels") >= 4

        attendre(quatre_envois, delai=30, proc=proc, tmp_path=tmp_path)
    finally:
        journal = arreter(proc, tmp_path)
    assert journal.count("Sending due task test-rappels") >= 4, journal[-3000:]
    assert attendre(worker_au_repos, delai=30), "le worker n'a pas fini les tâches envoyées par beat"
    rappel = Rappel.objects.get()
    assert (rappel.candidature_id, rappel.genre, rappel.echeance) == (c.pk, "brouillon",
                                                                       appel.candidature_fin)
    envoi = Envoi.objects.get(gabarit="rappel_brouillon")
    assert envoi.destinataires == ["referent-beat@exemple.fr"] and envoi.tentatives == 1
    assert rappel.envoi_id == envoi.pk
    assert Notification.objects.filter(destinataire=referent, gabarit="rappel_brouillon").count() == 1
