"""What the bench scripts share: Django set up from the repository root, and an isolated database (a
migrated SQLite file in the script's temporary ``CARE_VAR_DIR``, or ``<name>_bench`` on PostgreSQL, dropped
afterwards) so that a bench never writes into the demo's or CI's database."""

from __future__ import annotations

import os
import sys
from pathlib import Path

RACINE = Path(__file__).resolve().parent.parent


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "care_portal.settings.base")
    sys.path.insert(0, str(RACINE))
    import django

    django.setup()


def creer_base_isolee() -> tuple[str, str | None]:
    """(the database's name, the name to give back to ``rendre_base_isolee`` — None on SQLite)."""
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor == "sqlite":
        call_command("migrate", verbosity=0)
        return str(connection.settings_dict["NAME"]), None
    ancien_nom = connection.settings_dict["NAME"]
    connection.settings_dict.setdefault("TEST", {})["NAME"] = f"{ancien_nom}_bench"
    return connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False), ancien_nom


def rendre_base_isolee(ancien_nom: str | None) -> None:
    from django.db import connection

    if ancien_nom is not None:
        connection.creation.destroy_test_db(ancien_nom, verbosity=0)
