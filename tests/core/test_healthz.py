import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_healthz_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "ok"
    assert set(data["checks"]) == {"database", "broker", "cache", "storage"}
    assert all(c["status"] == "ok" for c in data["checks"].values())
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.django_db
def test_healthz_broker_et_cache_en_panne(client, settings):
    # a real Redis client against a port where nothing listens
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:1/0"}}
    from django.core.cache import caches

    caches._settings = None  # rebuild the cache handler from the overridden settings
    try:
        response = client.get("/healthz")
    finally:
        caches._settings = None
    assert response.status_code == 503
    data = response.json()
    assert data["status"] == "down"
    assert data["checks"]["broker"]["status"] == "down"
    assert data["checks"]["cache"]["status"] == "down"
    assert data["checks"]["database"]["status"] == "ok"


@pytest.mark.django_db
def test_healthz_stockage_en_panne(client, settings, tmp_path):
    not_a_dir = tmp_path / "fichier"
    not_a_dir.write_text("x")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                    "OPTIONS": {"location": str(not_a_dir / "media")}},
    }
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["storage"]["status"] == "down"


def test_healthz_base_en_panne(tmp_path):
    script = (
        "import django, json; django.setup();"
        "from django.test import Client;"
        "r = Client().get('/healthz');"
        "print(json.dumps({'code': r.status_code, 'data': r.json()}))"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL",)}
    env.update({"DJANGO_SETTINGS_MODULE": "care_portal.settings.base", "CARE_VAR_DIR": str(tmp_path),
                "DATABASE_URL": "postgres://postgres@127.0.0.1:1/ecare"})
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["code"] == 503
    assert out["data"]["checks"]["database"]["status"] == "down"
    assert out["data"]["checks"]["storage"]["status"] == "ok"
