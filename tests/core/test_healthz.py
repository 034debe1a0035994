import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import vider_cache

ROOT = Path(__file__).resolve().parents[2]


JETON = "jeton-de-supervision-" + "x" * 24
DETAIL = {"HTTP_AUTHORIZATION": f"Bearer {JETON}"}


@pytest.fixture(autouse=True)
def jeton_et_cache_vide(settings):
    settings.CARE_HEALTHZ_JETON = JETON
    vider_cache()  # the storage probe's verdict is cached: each test probes afresh


@pytest.mark.django_db
def test_healthz_ok(client):
    response = client.get("/healthz", **DETAIL)
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "ok"
    assert set(data["checks"]) == {"database", "broker", "cache", "storage"}
    assert all(c["status"] == "ok" for c in data["checks"].values())
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.django_db
def test_healthz_anonyme_n_a_que_le_statut(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert response["Cache-Control"].startswith("max-age=0")
    for mauvais in ("Bearer mauvais-jeton", f"Basic {JETON}", f"Bearer {JETON}x", "Bearer "):
        assert client.get("/healthz", HTTP_AUTHORIZATION=mauvais).json() == {"status": "ok"}, mauvais


@pytest.mark.django_db
def test_healthz_sans_jeton_configure_aucun_detail(client, settings):
    settings.CARE_HEALTHZ_JETON = ""
    assert client.get("/healthz", HTTP_AUTHORIZATION="Bearer ").json() == {"status": "ok"}


@pytest.mark.django_db
def test_healthz_detail_pour_l_admin_ans_seulement(client):
    from care_portal.comptes.roles import Role
    from tests.comptes.helpers import agent_verifie, creer_utilisateur_avec_role

    admin = creer_utilisateur_avec_role(Role.ADMIN_ANS)
    client.force_login(admin)  # password only, second factor not verified
    assert client.get("/healthz").json() == {"status": "ok"}
    agent_verifie(client, admin)
    assert set(client.get("/healthz").json()["checks"]) == {"database", "broker", "cache", "storage"}
    client.logout()
    agent_verifie(client, creer_utilisateur_avec_role(Role.CONTROLEUR_ANS))
    assert client.get("/healthz").json() == {"status": "ok"}


@pytest.mark.django_db
def test_healthz_n_ecrit_pas_dans_le_stockage_a_chaque_appel(client, monkeypatch):
    from django.core.files.storage import default_storage

    ecritures = []
    enregistrer = default_storage.save
    monkeypatch.setattr(default_storage, "save", lambda *a, **k: ecritures.append(a) or enregistrer(*a, **k))
    for _ in range(5):
        assert client.get("/healthz").status_code == 200
    assert len(ecritures) == 1


@pytest.mark.django_db
def test_healthz_broker_et_cache_en_panne(client, settings):
    # a real Redis client against a port where nothing listens
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:1/0"}}
    from django.core.cache import caches

    caches._settings = None  # rebuild the cache handler from the overridden settings
    try:
        anonyme = client.get("/healthz")
        response = client.get("/healthz", **DETAIL)
    finally:
        caches._settings = None
    assert anonyme.status_code == 503 and anonyme.json() == {"status": "down"}
    assert "Redis" not in anonyme.content.decode() and "Error" not in anonyme.content.decode()
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
    response = client.get("/healthz", **DETAIL)
    assert response.status_code == 503
    assert response.json()["checks"]["storage"]["status"] == "down"
    anonyme = client.get("/healthz")
    assert anonyme.status_code == 503 and anonyme.json() == {"status": "down"}


def test_healthz_base_en_panne(tmp_path):
    script = (
        "import django, json; django.setup();"
        "from django.test import Client;"
        "r = Client().get('/healthz', HTTP_AUTHORIZATION='Bearer jeton-du-test');"
        "a = Client().get('/healthz', HTTP_COOKIE='sessionid=x');"
        "print(json.dumps({'code': r.status_code, 'data': r.json(), 'anonyme': [a.status_code, a.json()]}))"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL",)}
    env.update({"DJANGO_SETTINGS_MODULE": "care_portal.settings.base", "CARE_VAR_DIR": str(tmp_path),
                "DATABASE_URL": "postgres://postgres@127.0.0.1:1/ecare", "CARE_HEALTHZ_JETON": "jeton-du-test"})
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["code"] == 503
    assert out["data"]["checks"]["database"]["status"] == "down"
    assert out["data"]["checks"]["storage"]["status"] == "ok"
    # without the token: the status only, even with a session cookie the dead database cannot read
    assert out["anonyme"] == [503, {"status": "down"}]
