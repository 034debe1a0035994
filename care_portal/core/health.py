"""Health of the services the portal depends on: database, broker/cache, storage.

``etat_des_services()`` is the detailed report (engines, backends, the failures' text): /healthz
shows it only to a caller holding CARE_HEALTHZ_JETON or to an ANS admin; anyone else gets the
status alone. The storage probe writes a file: its verdict is kept DUREE_SONDE_STOCKAGE seconds
in the cache, so that a probe every few seconds does not write to the bucket each time.
"""

from __future__ import annotations

import hashlib
import time
import uuid

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection


def _mesure(fn) -> dict:
    debut = time.perf_counter()
    try:
        detail = fn()
        return {"status": "ok", "ms": round((time.perf_counter() - debut) * 1000, 1), **(detail or {})}
    except Exception as exc:  # any failure is a "down" service; the reason is reported, not raised
        return {"status": "down", "error": f"{exc.__class__.__name__}: {str(exc)[:200]}"}


def _database() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"engine": connection.vendor}


def _broker() -> dict:
    if not settings.REDIS_URL:
        return {"mode": "embarque (tâches exécutées dans le processus)"}
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    finally:
        client.close()
    return {"mode": "redis"}


def _cache() -> dict:
    key = f"healthz:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=10)
    if cache.get(key) != "1":
        raise RuntimeError("le cache ne relit pas la valeur écrite")
    cache.delete(key)
    return {"backend": settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]}


DUREE_SONDE_STOCKAGE = 60  # seconds


def _storage() -> dict:
    name = default_storage.save(f"healthz/{uuid.uuid4().hex}.txt", ContentFile(b"ok"))
    try:
        if not default_storage.exists(name):
            raise RuntimeError("le fichier écrit est introuvable")
    finally:
        default_storage.delete(name)
    return {"backend": default_storage.__class__.__name__}


def _cle_sonde_stockage() -> str:
    # keyed on the storage's configuration: another bucket or directory is probed afresh
    configuration = repr(sorted(settings.STORAGES["default"].items()))
    return "healthz:stockage:" + hashlib.sha256(configuration.encode()).hexdigest()[:16]


def _storage_en_cache() -> dict:
    """The storage probe's verdict, from the cache when it is fresh (the cache down: probe anyway)."""
    cle = _cle_sonde_stockage()
    try:
        resultat = cache.get(cle)
    except Exception:  # noqa: BLE001 — a dead cache is the cache probe's report, not this one's
        resultat = None
    if resultat is None:
        resultat = _mesure(_storage)
        try:
            cache.set(cle, resultat, timeout=DUREE_SONDE_STOCKAGE)
        except Exception:  # noqa: BLE001
            pass
    return resultat


def etat_des_services() -> dict:
    checks = {
        "database": _mesure(_database),
        "broker": _mesure(_broker),
        "cache": _mesure(_cache),
        "storage": _storage_en_cache(),
    }
    status = "ok" if all(c["status"] == "ok" for c in checks.values()) else "down"
    return {"status": status, "mode": settings.CARE_MODE, "checks": checks}
