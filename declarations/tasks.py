"""Thin, idempotent tasks of the declaration (STYLE.md rule 7)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="declarations.generer_recepisse")
def generer_recepisse_task(declaration_id: int, depot_iso: str) -> str | None:
    """Generate the receipt PDF of one submission (keyed by its date: a re-run does nothing)."""
    from .recepisse import generer_recepisse

    return generer_recepisse(declaration_id=declaration_id, depot_iso=depot_iso)
