"""Loaded by the outage tests' workers (``celery worker -I tests.robustesse.lenteur``). With
``CARE_TEST_LENTEUR`` set to a file path, the worker stops for a minute right after it has written a
document's bytes and inserted its row, before the transaction commits, and writes the storage key to that
file: the moment the test kills it (SIGKILL), leaving bytes without a committed row."""

import os
import time
from pathlib import Path

from django.db.models.signals import post_save

TEMOIN = os.environ.get("CARE_TEST_LENTEUR", "")


def _ralentir(sender, instance, created, **kwargs):
    if created and TEMOIN and not Path(TEMOIN).exists():
        Path(TEMOIN).write_text(instance.cle_stockage)
        time.sleep(60)


if TEMOIN:
    post_save.connect(_ralentir, sender="documents.Document", dispatch_uid="tests.robustesse.lenteur")
