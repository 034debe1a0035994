"""How the objectifs app plugs into the lifecycle (care_portal.core.etapes): the objectives are worked
on during the operational phase, between the convention and the declaration; the app has no stage of
its own but registers its reminders (the next ADS and exposure audits). Called once from ready()."""

from __future__ import annotations


def enregistrer() -> None:
    from . import rappels

    rappels.enregistrer()
