"""The DSFR alert a page shows when an action is refused: one shape for every app's templates
(``titre``, an optional ``message``, an optional ``liste`` of reasons, the DSFR ``niveau``)."""

from __future__ import annotations


def alerte(titre: str, message: str = "", liste: list[str] | None = None, niveau: str = "error") -> dict:
    return {"titre": titre, "message": message, "liste": liste or [], "niveau": niveau}
