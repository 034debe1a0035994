"""Thin, idempotent tasks of the control (STYLE.md rule 7)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="controle.generer_pieces")
def generer_pieces_task(controle_id: int) -> list[str]:
    """The attestation (objectives reached) and the control report of a decided control: generated once
    (``PieceControle`` is unique per control and kind; a re-run finds them and does nothing)."""
    from .pieces import generer_pieces

    return generer_pieces(controle_id=controle_id)
