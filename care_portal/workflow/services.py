"""run_transition(): the one way a state changes (STYLE.md rules 1–5).

Called by a service inside ``transaction.atomic`` with a row it locked (``select_for_update``).
It checks the state machine and the actor's right, runs the pure transition, saves only the
fields that changed, and appends the log row. E-mails and tasks are the caller's, on commit.
"""

from __future__ import annotations

import inspect
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured
from django.db import models, transaction
from django_fsm import can_proceed, has_transition_perm

from .models import TransitionLog


class WorkflowError(Exception):
    """A refused action, with a message for the user (French)."""

    def __init__(self, message: str, *, code: str = "refuse"):
        super().__init__(message)
        self.message = message
        self.code = code


def journaliser(
    obj: models.Model,
    code: str,
    *,
    acteur=None,
    motif: str = "",
    donnees: dict[str, Any] | None = None,
    etat_source: str = "",
    etat_cible: str = "",
) -> TransitionLog:
    """Append one row to the log for ``obj`` (also for logged actions that are not transitions)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("journaliser() s'appelle dans la transaction du service.")
    return TransitionLog.objects.create(
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
        object_id=str(obj.pk),
        code=code,
        etat_source=etat_source,
        etat_cible=etat_cible,
        acteur=acteur if (acteur is not None and getattr(acteur, "pk", None)) else None,
        motif=motif,
        donnees=donnees or {},
    )


def code_de_transition(obj: models.Model, transition: str, source) -> str:
    """The log code of a transition: ``app.model.<participle>``, the participle declared on the transition
    (``@transition(..., custom={"journal": "deposee"})``). Every log code tells what happened, in the past
    participle (« deposee », « envoi_demande »), never the verb of the action (« deposer »)."""
    regle = getattr(type(obj), transition)._django_fsm.get_transition(source)
    participe = regle.custom.get("journal") if regle is not None else None
    if not participe:
        raise ImproperlyConfigured(f"La transition {type(obj).__name__}.{transition} ne déclare pas son code de "
                                   'journal (custom={"journal": "<participe passé>"}).')
    model = obj.__class__._meta
    return f"{model.app_label}.{model.model_name}.{participe}"


def run_transition(
    obj: models.Model,
    transition: str,
    *,
    acteur,
    motif: str = "",
    donnees: dict[str, Any] | None = None,
    champ_etat: str = "etat",
    update_fields: list[str] | None = None,
    verifier_droit: bool = True,
    message_refus: str | None = None,
    **kwargs: Any,
) -> TransitionLog:
    """Run ``obj.<transition>(**kwargs)`` as ``acteur`` (None = the system) and log it.

    ``update_fields``: the fields the transition sets besides the state.
    """
    method = getattr(obj, transition)
    source = getattr(obj, champ_etat)
    if not can_proceed(method):
        raise WorkflowError(
            message_refus or f"Cette action n'est pas possible dans l'état actuel du dossier ({obj.get_etat_display() if hasattr(obj, 'get_etat_display') else source}).",
            code="etat",
        )
    if verifier_droit and acteur is not None and not has_transition_perm(method, acteur):
        raise WorkflowError("Vous n'avez pas le droit de faire cette action.", code="droit")
    if "motif" in inspect.signature(method).parameters:
        kwargs.setdefault("motif", motif)
    code = code_de_transition(obj, transition, source)  # the transition allowed from here: its participle
    method(**kwargs)
    obj.save(update_fields=[champ_etat, *(update_fields or [])])
    return journaliser(
        obj,
        code,
        acteur=acteur,
        motif=motif,
        donnees=donnees,
        etat_source=str(source),
        etat_cible=str(getattr(obj, champ_etat)),
    )
