"""Thin, idempotent tasks of the candidature (STYLE.md rule 7)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="candidatures.generer_recepisse")
def generer_recepisse_task(candidature_id: int, depot_iso: str) -> str | None:
    """Generate the receipt PDF of one submission (keyed by its date: a re-run does nothing)."""
    from .recepisse import generer_recepisse

    return generer_recepisse(candidature_id=candidature_id, depot_iso=depot_iso)
