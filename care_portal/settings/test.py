"""Test settings: the same code path as base, plus what makes tests fast and hermetic."""

from .base import *  # noqa: F403
from .base import env

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CARE_REQUIRE_SERVICES = env.bool("CARE_REQUIRE_SERVICES", default=False)

# Tasks run in-process in tests, so that each test sees their effects; the tests whose point is
# the worker use the ``celery_worker_process`` fixture, which turns this off for their duration.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True

# Under pytest-xdist (``-n``, see pyproject.toml) the workers share one Redis database:
# - each gets its own cache key prefix, so that one worker's ``cache_vide`` (tests/conftest.py: it deletes the
#   keys of make_key("*")) never wipes another's rate-limit counters in the middle of a test, and the workers'
#   counters (same 127.0.0.1) never add up;
# - each gets its own Celery queue, so that the real Celery worker (and beat) a test starts only ever runs that
#   test process's tasks, against that process's test database. ``celery_worker_process`` (tests/conftest.py)
#   goes further: a queue of its own per test (CARE_TEST_FILE_CELERY, inherited by the worker and beat
#   subprocesses), which no message left by an earlier test or run can reach.
if REDIS_URL:  # noqa: F405
    import os

    _PROCESSUS_DE_TEST = os.environ.get("PYTEST_XDIST_WORKER", "principal")
    CACHES["default"]["KEY_PREFIX"] = "test-" + _PROCESSUS_DE_TEST  # noqa: F405
    CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CARE_TEST_FILE_CELERY") or "test-" + _PROCESSUS_DE_TEST
