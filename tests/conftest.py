"""Shared test configuration.

Tests marked ``services`` need a real PostgreSQL and Redis (DATABASE_URL, REDIS_URL).
Without them they skip with the reason; under CARE_REQUIRE_SERVICES=1 (CI) they fail instead.
"""

from __future__ import annotations

import os

import pytest
from django.conf import settings


def services_manquants() -> list[str]:
    manquants = []
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        manquants.append("PostgreSQL (DATABASE_URL)")
    if not settings.REDIS_URL:
        manquants.append("Redis (REDIS_URL)")
    return manquants


def exiger_services(*noms: str) -> None:
    """Skip (or fail under CARE_REQUIRE_SERVICES=1) when one of the named services is missing."""
    manquants = [m for m in services_manquants() if not noms or any(n in m for n in noms)]
    if manquants:
        raison = "service absent : " + ", ".join(manquants)
        if os.environ.get("CARE_REQUIRE_SERVICES") == "1":
            pytest.fail(raison + " (CARE_REQUIRE_SERVICES=1)", pytrace=False)
        pytest.skip(raison)


def pytest_runtest_setup(item):
    marker = item.get_closest_marker("services")
    if marker is not None:
        exiger_services(*marker.args)


def pytest_report_header(config):
    db = settings.DATABASES["default"]
    return [
        f"eCaRE: base {db['ENGINE'].rsplit('.', 1)[-1]} {db.get('HOST') or db.get('NAME')}, "
        f"redis={'oui' if settings.REDIS_URL else 'non'}, "
        f"CARE_REQUIRE_SERVICES={os.environ.get('CARE_REQUIRE_SERVICES', '0')}"
    ]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed test that ran a real Celery worker (``celery_worker_process``) shows the end of its log."""
    rapport = yield
    journal = getattr(item, "journal_worker_celery", None)
    if journal is not None and rapport.when == "call" and rapport.failed:
        try:
            rapport.sections.append(("journal du worker Celery", journal()))
        except OSError:
            pass
    return rapport


@pytest.fixture(autouse=True)
def cache_vide():
    """Rate-limit counters and lockout notices live in the cache (locmem, or Redis under REDIS_URL):
    each test starts without any."""
    vider_cache()
    yield


def vider_cache() -> None:
    """Empty this test process's cache, never anything else in the Redis database (the Celery broker's
    queues, another xdist worker's keys): use it instead of ``cache.clear()``."""
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    cache = caches["default"]  # the backend itself: ``django.core.cache.cache`` is a proxy, never a RedisCache
    if isinstance(cache, RedisCache):
        # Under REDIS_URL the cache shares its database with the Celery broker: delete the cache's own
        # keys only (never FLUSHDB, which would drop the broker's queues and bindings).
        client = cache._cache.get_client(write=True)
        for cle in client.scan_iter(match=cache.make_key("*")):
            client.delete(cle)
    else:
        cache.clear()


@pytest.fixture
def celery_worker_process(transactional_db, monkeypatch, tmp_path_factory, request):
    """A real Celery worker (separate process, solo pool) consuming from REDIS_URL and using the test database.

    The worker consumes a queue of this test's own (``CARE_TEST_FILE_CELERY``, read by care_portal/settings/test.py
    in the worker and in any beat the test starts, since both inherit the environment; set here on the app for the
    test process's own publications): a message left in the broker by an earlier test or an earlier run (a task
    sent after its test's assertions, a message restored when a worker stopped) can never reach this test's worker
    and hold it up, and under pytest-xdist another test process's worker never takes this test's tasks (it would
    run them against its own test database). The worker's output goes to a file, never to a pipe that nobody reads
    (once the pipe is full, the worker blocks on its next log line); its end is shown when the worker fails, and
    in the report of a test that fails (``pytest_runtest_makereport`` below)."""
    import signal
    import subprocess
    import sys
    import time
    import urllib.parse
    import uuid
    from pathlib import Path

    from django.db import connection

    exiger_services()
    db = connection.settings_dict
    url = "postgres://{user}@{host}:{port}/{name}".format(
        user=urllib.parse.quote(db["USER"] or "postgres"),
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        name=db["NAME"],
    )
    if db.get("PASSWORD"):
        url = url.replace("@", ":" + urllib.parse.quote(db["PASSWORD"]) + "@", 1)
    file = f"test-{os.environ.get('PYTEST_XDIST_WORKER', 'principal')}-{uuid.uuid4().hex[:12]}"
    monkeypatch.setenv("CARE_TEST_FILE_CELERY", file)
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "care_portal.settings.test"}
    root = Path(__file__).resolve().parents[1]
    chemin_journal = tmp_path_factory.mktemp("celery-worker") / "worker.log"

    def journal() -> str:
        return chemin_journal.read_text(errors="replace")[-4000:]

    request.node.journal_worker_celery = journal

    with open(chemin_journal, "w") as sortie:  # the child keeps its own descriptor
        proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "care_portal", "worker", "--pool=solo", "--loglevel=INFO",
             "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"test-{os.getpid()}@%h"],
            cwd=root, env=env, stdout=sortie, stderr=subprocess.STDOUT, text=True,
        )

    def arreter() -> None:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=15)

    # wait until the worker is ready
    from care_portal.celery import app

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail("le worker Celery s'est arrêté : " + journal())
        replies = app.control.ping(timeout=0.5)
        if any(f"test-{os.getpid()}@" in name for reply in replies for name in reply):
            break
    else:
        arreter()
        pytest.fail("le worker Celery n'a pas démarré en 30 s : " + journal())
    before = app.conf.task_always_eager, app.conf.task_default_queue
    app.conf.task_always_eager = False  # this test's tasks go through Redis to the worker
    app.conf.task_default_queue = file  # ... on the queue it consumes
    try:
        yield proc
    finally:
        app.conf.task_always_eager, app.conf.task_default_queue = before
        arreter()
        # the test's queue and its binding (keys named after the queue, unique to this test) leave the broker
        import redis

        client = redis.Redis.from_url(settings.REDIS_URL)
        try:
            for cle in client.scan_iter(match=f"*{file}*"):
                client.delete(cle)
        except redis.RedisError:  # broker gone (the test failed on it): nothing left to tidy
            pass
        finally:
            client.close()
