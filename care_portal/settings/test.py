"""Test settings: the same code path as base, plus what makes tests fast and hermetic."""

from .base import *  # noqa: F403
from .base import env

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CARE_REQUIRE_SERVICES = env.bool("CARE_REQUIRE_SERVICES", default=False)
