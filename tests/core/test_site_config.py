"""The DSFR site configuration (header and footer texts, edited in the admin) is read from the cache,
not from the database on every page, and a change made in the admin shows on the next page."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from dsfr.models import DsfrConfig

pytestmark = pytest.mark.django_db


def test_configuration_dsfr_en_cache_et_relue_apres_modification(client):
    client.get("/")
    with CaptureQueriesContext(connection) as requetes:
        premiere = client.get("/")
    assert premiere.status_code == 200
    assert not [q for q in requetes.captured_queries if "dsfr_dsfrconfig" in q["sql"]]

    config = DsfrConfig.objects.first()
    config.notice_title = "Maintenance prévue samedi de 8 h à 10 h"
    config.save()  # the notice banner the ANS admin publishes
    assert "Maintenance prévue samedi de 8 h à 10 h" in client.get("/").content.decode()
