"""Work handed to Celery, nothing lost when the broker or the database blinks (issue 24).

A service that needs a worker calls ``confier(tache, *args, objet=…, **kwargs)`` inside its transaction.
That writes a ``Travail`` row in the same transaction as the state change: a rolled-back action leaves no
work, a committed one always has its work recorded. After the commit the row is published to the broker;
the task's success marks it done (Celery signals below, keyed by the Celery task id, which is the row's
``id_tache``). What was never published (broker down), never finished (worker killed, database down while
it ran) or failed is published again by ``relancer_travaux`` (beat job, every minute) with a backoff,
until done or given up after ``CARE_TRAVAUX_ESSAIS_MAX`` publications. Tasks are idempotent, so work
published twice has one effect.

No code publishes a task any other way (``.delay``/``.apply_async`` outside this module): a test reads the
sources and fails on one.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from celery import current_app, signals
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .models import Travail

logger = logging.getLogger(__name__)

ETATS_OUVERTS = (Travail.Etat.A_ENVOYER, Travail.Etat.CONFIE, Travail.Etat.ECHEC, Travail.Etat.ABANDONNE)


def cle_objet(instance) -> str:
    """``app_label.model:pk`` of a model instance (the object a piece of work is about)."""
    return f"{instance._meta.label_lower}:{instance.pk}"


def confier(tache, *args, objet=None, immediat: bool = False, **kwargs) -> Travail:
    """Record the work (``tache``: a Celery task or its name) in the current transaction, and publish it
    once that transaction commits (at once with ``immediat``, for a caller outside any transaction that
    wants the task run now, as in the embedded mode's synchronous paths)."""
    nom = tache if isinstance(tache, str) else tache.name
    travail = Travail.objects.create(
        tache=nom, arguments=list(args), arguments_nommes=kwargs,
        objet=cle_objet(objet) if objet is not None and not isinstance(objet, str) else (objet or ""),
    )
    pk = travail.pk
    if immediat:
        publier(pk)
    else:
        transaction.on_commit(lambda: publier(pk))
    return travail


def delai(envois: int) -> timedelta:
    """How long a published piece of work may wait before it is published again: the base delay, doubled
    at each publication, capped."""
    base = settings.CARE_TRAVAUX_DELAI_SECONDES
    return timedelta(seconds=min(settings.CARE_TRAVAUX_DELAI_MAX_SECONDES, base * 2 ** max(0, envois - 1)))


def publier(travail_id: int) -> bool:
    """Publish one piece of work to the broker. Never raises for a broker or database failure: the row
    stays waiting and the catch-up job publishes it later. In the embedded mode the task runs here; its
    failure is recorded on the row and logged, never raised into the page whose action has committed."""
    maintenant = timezone.now()
    try:
        travail = Travail.objects.get(pk=travail_id)
        if travail.etat == Travail.Etat.FAIT:
            return False
        envois = travail.envois + 1
        # marked before publishing: a fast worker's "done" must not be overwritten by this update
        Travail.objects.filter(pk=travail.pk).update(
            etat=Travail.Etat.CONFIE, envois=envois, envoye_le=maintenant,
            prochain_essai_le=maintenant + delai(envois))
    except Exception:  # noqa: BLE001 — the database blinked: the row (if committed) waits for the catch-up
        logger.exception("travaux: travail %s non publié (base indisponible)", travail_id)
        return False
    tache = _tache(travail.tache)
    if current_app.conf.task_always_eager:
        if tache is None:
            raise LookupError(f"Tâche inconnue : {travail.tache}")
        try:
            tache.apply_async(travail.arguments, travail.arguments_nommes, task_id=str(travail.id_tache))
        except Exception:  # noqa: BLE001 — recorded as failed (signal below), published again by the catch-up
            logger.exception("travaux: le travail %s (%s) a échoué", travail.pk, travail.tache)
        return True
    try:
        if tache is not None:
            tache.apply_async(travail.arguments, travail.arguments_nommes, task_id=str(travail.id_tache),
                              retry=False)
        else:
            current_app.send_task(travail.tache, travail.arguments, travail.arguments_nommes,
                                  task_id=str(travail.id_tache), retry=False)
    except Exception as erreur:  # noqa: BLE001 — broker down: published again by relancer_travaux
        logger.warning("travaux: travail %s (%s) non publié, broker indisponible : %s", travail.pk, travail.tache,
                       erreur)
        try:
            Travail.objects.filter(pk=travail.pk, etat=Travail.Etat.CONFIE).update(
                etat=Travail.Etat.A_ENVOYER, derniere_erreur=f"Broker indisponible : {erreur}"[:2000],
                prochain_essai_le=maintenant + timedelta(seconds=settings.CARE_TRAVAUX_DELAI_BROKER_SECONDES))
        except Exception:  # noqa: BLE001
            logger.exception("travaux: état du travail %s non enregistré", travail.pk)
        return False
    return True


def _tache(nom: str):
    """The registered task of that name; the web process registers a stage's tasks only once their module
    is imported, so the apps' ``tasks`` modules are imported (Celery's autodiscovery) when it is missing."""
    if nom not in current_app.tasks:
        current_app.loader.import_default_modules()
    return current_app.tasks.get(nom) if nom in current_app.tasks else None


def relancer_travaux(limite: int = 500) -> dict[str, int]:
    """Catch-up (beat job): publish again the work that is due — never published, published too long
    ago without a result, or failed — oldest first; give up after ``CARE_TRAVAUX_ESSAIS_MAX`` publications."""
    maintenant = timezone.now()
    dus = list(
        Travail.objects.filter(etat__in=(Travail.Etat.A_ENVOYER, Travail.Etat.CONFIE, Travail.Etat.ECHEC),
                               prochain_essai_le__lte=maintenant)
        .order_by("prochain_essai_le").values_list("pk", "envois")[:limite]
    )
    bilan = {"publies": 0, "abandonnes": 0, "purges": 0}
    for pk, envois in dus:
        if envois >= settings.CARE_TRAVAUX_ESSAIS_MAX:
            Travail.objects.filter(pk=pk).exclude(etat=Travail.Etat.FAIT).update(etat=Travail.Etat.ABANDONNE)
            logger.error("travaux: travail %s abandonné après %s publications", pk, envois)
            bilan["abandonnes"] += 1
        elif publier(pk):
            bilan["publies"] += 1
    # done work is kept a while for the admin's eyes, then purged
    bilan["purges"] = Travail.objects.filter(
        etat=Travail.Etat.FAIT, fait_le__lt=maintenant - timedelta(days=settings.CARE_TRAVAUX_CONSERVATION_JOURS)
    ).delete()[0]
    return bilan


def relancer(objet, *, acteur=None) -> int:
    """Publish again, now, every unfinished piece of work about ``objet`` (an ANS or ARS agent's
    « Relancer » on a send or generation waiting too long). Idempotent: the tasks are, and a piece of
    work already done is left alone. Returns how many were published."""
    cle = objet if isinstance(objet, str) else cle_objet(objet)
    nombre = relancer_travaux_choisis(Travail.objects.filter(objet=cle))
    if nombre:
        logger.info("travaux: %s travail(s) de %s relancé(s) par %s", nombre, cle, acteur)
    return nombre


def relancer_travaux_choisis(travaux) -> int:
    """Publish again, once the current transaction commits, the unfinished work among ``travaux`` (a
    queryset), with its count of publications reset; work already done is left alone. Returns how many."""
    ids = list(travaux.filter(etat__in=ETATS_OUVERTS).values_list("pk", flat=True))
    Travail.objects.filter(pk__in=ids).update(envois=0, etat=Travail.Etat.A_ENVOYER)
    for pk in ids:
        transaction.on_commit(lambda pk=pk: publier(pk))
    return len(ids)


def seuil() -> timedelta:
    return timedelta(seconds=settings.CARE_TRAVAUX_SEUIL_ATTENTE_SECONDES)


def en_souffrance(travail: Travail) -> bool:
    """Unfinished and older than the waiting threshold, or given up."""
    if travail.etat == Travail.Etat.FAIT:
        return False
    return travail.etat == Travail.Etat.ABANDONNE or travail.cree_le <= timezone.now() - seuil()


def en_attente(objet) -> list[Travail]:
    """The unfinished work about ``objet`` that waits past the threshold (« en attente de traitement »)."""
    cle = objet if isinstance(objet, str) else cle_objet(objet)
    return list(Travail.objects.filter(objet=cle, etat__in=ETATS_OUVERTS)
                .filter(Q(etat=Travail.Etat.ABANDONNE) | Q(cree_le__lte=timezone.now() - seuil()))
                .order_by("cree_le"))


# --- Results, from the worker (Celery signals) ---------------------------------------------------------

def _id(requete) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(getattr(requete, "id", "") or ""))
    except ValueError:
        return None


@signals.task_success.connect
def _fait(sender=None, **_):
    ident = _id(getattr(sender, "request", None))
    if ident is None:
        return
    try:
        Travail.objects.filter(id_tache=ident).exclude(etat=Travail.Etat.FAIT).update(
            etat=Travail.Etat.FAIT, fait_le=timezone.now(), derniere_erreur="")
    except Exception:  # noqa: BLE001 — database down: the catch-up publishes it again (the task is idempotent)
        logger.exception("travaux: fin du travail %s non enregistrée", ident)


@signals.task_failure.connect
def _echec(sender=None, task_id=None, exception=None, **_):
    try:
        ident = uuid.UUID(str(task_id))
    except ValueError:
        return
    try:
        travail = Travail.objects.filter(id_tache=ident).first()
        if travail is None or travail.etat == Travail.Etat.FAIT:
            return
        Travail.objects.filter(pk=travail.pk).update(
            etat=Travail.Etat.ECHEC, derniere_erreur=f"{type(exception).__name__} : {exception}"[:2000],
            prochain_essai_le=timezone.now() + delai(travail.envois))
    except Exception:  # noqa: BLE001
        logger.exception("travaux: échec du travail %s non enregistré", ident)


@signals.task_retry.connect
def _nouvel_essai(sender=None, request=None, reason=None, **_):
    """The task asked Celery for a retry later (an SMTP server down): the catch-up waits past that time."""
    ident = _id(request)
    if ident is None:
        return
    quand = getattr(reason, "when", None)
    if isinstance(quand, (int, float)):
        echeance = timezone.now() + timedelta(seconds=quand)
    elif quand is not None and hasattr(quand, "tzinfo"):
        echeance = quand
    else:
        return
    try:
        Travail.objects.filter(id_tache=ident, etat=Travail.Etat.CONFIE).update(
            prochain_essai_le=echeance + seuil())
    except Exception:  # noqa: BLE001
        logger.exception("travaux: nouvel essai du travail %s non enregistré", ident)
