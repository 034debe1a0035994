"""Thin, idempotent tasks of the payment app (STYLE.md rule 7)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="paiement.creer_a_valider")
def creer_a_valider_task() -> int:
    """A payment « à valider » for every validated control without one: a re-run creates nothing more
    (the convention's row is locked and the database keeps one payment per convention)."""
    from .services import paiements_creer_a_valider

    return len(paiements_creer_a_valider().crees)
