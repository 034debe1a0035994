"""Platform tasks. Thin and idempotent (STYLE.md rule 7)."""

from __future__ import annotations

import socket

from celery import shared_task
from django.db import connection


@shared_task(name="core.sante")
def sante_task(jeton: str) -> dict:
    """Health-check task: proves that a worker took the task and reached the database."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"jeton": jeton, "hote": socket.gethostname(), "base": connection.vendor}


@shared_task(name="core.relancer_travaux")
def relancer_travaux_task() -> dict[str, int]:
    """Beat job (every minute): publish again the work the broker or a worker lost (travaux.py)."""
    from .travaux import relancer_travaux

    return relancer_travaux()
