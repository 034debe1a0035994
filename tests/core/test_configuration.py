"""Both configuration modes, read the way production reads them: a fresh interpreter per environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json, django
from django.conf import settings
django.setup()
from django.core.files.storage import default_storage
print(json.dumps({
    "debug": settings.DEBUG,
    "engine": settings.DATABASES["default"]["ENGINE"],
    "db_name": str(settings.DATABASES["default"]["NAME"]),
    "db_host": settings.DATABASES["default"].get("HOST", ""),
    "eager": getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False),
    "broker": settings.CELERY_BROKER_URL,
    "cache": settings.CACHES["default"]["BACKEND"],
    "storage": default_storage.__class__.__name__,
    "storage_options": {k: v for k, v in settings.STORAGES["default"].get("OPTIONS", {}).items()
                        if k in ("default_acl", "file_overwrite", "querystring_auth", "location", "bucket_name")},
    "email": settings.EMAIL_BACKEND,
    "email_host": getattr(settings, "EMAIL_HOST", ""),
    "lang": settings.LANGUAGE_CODE, "tz": settings.TIME_ZONE, "use_tz": settings.USE_TZ,
    "secret_len": len(settings.SECRET_KEY),
    "hsts": getattr(settings, "SECURE_HSTS_SECONDS", 0),
    "session_secure": settings.SESSION_COOKIE_SECURE,
    "acks_late": settings.CELERY_TASK_ACKS_LATE,
    "reject_lost": settings.CELERY_TASK_REJECT_ON_WORKER_LOST,
    "serializer": settings.CELERY_TASK_SERIALIZER,
    "max_tasks": settings.CELERY_WORKER_MAX_TASKS_PER_CHILD,
    "mode": settings.CARE_MODE,
}))
"""

SERVICE_VARS = ("DATABASE_URL", "REDIS_URL", "S3_BUCKET", "EMAIL_URL", "DJANGO_SECRET_KEY", "DEBUG", "ALLOWED_HOSTS")


def run_settings(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in SERVICE_VARS and not k.startswith("S3_")}
    base.update({"DJANGO_SETTINGS_MODULE": "care_portal.settings.base", "CARE_VAR_DIR": str(tmp_path / "var")})
    base.update(env)
    return subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=base, capture_output=True, text=True, timeout=60
    )


def probe(tmp_path: Path, **env: str) -> dict:
    result = run_settings(tmp_path, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_defaut_embarque(tmp_path):
    conf = probe(tmp_path)
    assert conf["debug"] is True
    assert conf["engine"] == "django.db.backends.sqlite3"
    assert conf["db_name"] == str(tmp_path / "var" / "db.sqlite3")
    assert conf["eager"] is True
    assert conf["broker"] == "memory://"
    assert conf["cache"].endswith("LocMemCache")
    assert conf["storage"] == "FileSystemStorage"
    # files live outside static, under the var directory
    assert conf["storage_options"]["location"] == str(tmp_path / "var" / "media")
    assert conf["email"] == "django.core.mail.backends.console.EmailBackend"
    assert (conf["lang"], conf["tz"], conf["use_tz"]) == ("fr-fr", "Europe/Paris", True)
    assert conf["acks_late"] and conf["reject_lost"] and conf["serializer"] == "json"
    assert conf["mode"] == "embarque"
    # the generated development key is kept and reused
    key_file = tmp_path / "var" / "secret_key.txt"
    assert key_file.exists() and oct(key_file.stat().st_mode)[-3:] == "600"
    first = key_file.read_text()
    probe(tmp_path)
    assert key_file.read_text() == first


def test_mode_services_production(tmp_path):
    conf = probe(
        tmp_path,
        DEBUG="0",
        DJANGO_SECRET_KEY="k" * 20 + "-vraiment-aleatoire-pour-le-test-" + "z" * 20,
        ALLOWED_HOSTS="ecare.esante.gouv.fr",
        DATABASE_URL="postgres://ecare:secret@db.example:5432/ecare",
        REDIS_URL="redis://cache.example:6379/0",
        S3_BUCKET="ecare-documents",
        S3_ENDPOINT_URL="http://minio:9000",
        EMAIL_URL="smtp://mail.example:25",
    )
    assert conf["debug"] is False
    assert conf["engine"] == "django.db.backends.postgresql"
    assert (conf["db_name"], conf["db_host"]) == ("ecare", "db.example")
    assert conf["eager"] is False
    assert conf["broker"] == "redis://cache.example:6379/0"
    assert conf["cache"].endswith("RedisCache")
    assert conf["storage"] == "S3Storage"
    assert conf["storage_options"] == {
        "bucket_name": "ecare-documents",
        "default_acl": "private",
        "file_overwrite": False,
        "querystring_auth": True,
    }
    assert conf["email"] == "django.core.mail.backends.smtp.EmailBackend"
    assert conf["email_host"] == "mail.example"
    assert conf["hsts"] >= 31536000 and conf["session_secure"] is True
    assert conf["mode"] == "services"


@pytest.mark.parametrize(
    "env,message",
    [
        ({"DEBUG": "0", "ALLOWED_HOSTS": "x.fr"}, "DJANGO_SECRET_KEY doit être défini"),
        ({"DEBUG": "0", "ALLOWED_HOSTS": "x.fr", "DJANGO_SECRET_KEY": "django-insecure-abc"}, "trop faible"),
        ({"DEBUG": "0", "DJANGO_SECRET_KEY": "x" * 30 + "abcdefghijklmnopqrstuvwxyz"}, "ALLOWED_HOSTS"),
    ],
)
def test_production_refuse_de_demarrer(tmp_path, env, message):
    result = run_settings(tmp_path, **env)
    assert result.returncode != 0
    assert message in result.stderr


def test_production_module_force_debug_off(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env={**{k: v for k, v in os.environ.items() if k not in SERVICE_VARS},
             "DJANGO_SETTINGS_MODULE": "care_portal.settings.production", "DEBUG": "1",
             "CARE_VAR_DIR": str(tmp_path)},
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode != 0 and "DJANGO_SECRET_KEY doit être défini" in result.stderr


def _manage(tmp_path, *args, **env):
    base = {k: v for k, v in os.environ.items() if k not in SERVICE_VARS}
    base.update({"CARE_VAR_DIR": str(tmp_path / "var"), **env})
    base.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=base,
                          capture_output=True, text=True, timeout=60)


def test_database_url_invalide_message_clair(tmp_path):
    result = _manage(tmp_path, "check", DATABASE_URL="mysql://root@localhost/ecare")
    assert result.returncode == 2
    assert "DATABASE_URL invalide" in result.stderr
    assert "Traceback" not in result.stderr


def test_base_injoignable_message_clair(tmp_path):
    # nothing listens on port 1: the connection is refused at once
    result = _manage(tmp_path, "migrate", "--noinput", DATABASE_URL="postgres://postgres@127.0.0.1:1/ecare")
    assert result.returncode == 2
    assert "Base de données injoignable" in result.stderr
    assert "Traceback" not in result.stderr
