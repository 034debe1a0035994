"""What the import commands share: how an import failure becomes one French line, and the final verdict."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.core.management.base import CommandError
from django.db import DatabaseError

from care_portal.referentiel.imports import ErreurFichier


@contextmanager
def erreurs_d_import() -> Iterator[None]:
    """A file or database failure → one French line (CommandError), no traceback."""
    try:
        yield
    except ErreurFichier as exc:
        raise CommandError(str(exc)) from None
    except DatabaseError as exc:
        # Batches already committed stay: a re-run completes them (the import is idempotent).
        raise CommandError(
            f"Import interrompu par la base de données : {exc}. Les lots déjà écrits sont conservés ; "
            "relancez l'import une fois le problème réglé."
        ) from None


def conclure(rejetes: int, rapport: Path | None) -> None:
    """Non-zero exit, after the report, when any line was rejected."""
    if rejetes:
        complement = f" ; détail complet dans « {rapport} »" if rapport else ""
        raise CommandError(f"{rejetes} ligne(s) rejetée(s), le reste est importé{complement}.")
