"""Document tasks. Thin and idempotent (STYLE.md rule 7)."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from . import services
from .antivirus import ClamdErreur, clamd_configure
from .models import Document


@shared_task(
    name="documents.analyser",
    autoretry_for=(ClamdErreur,),
    retry_backoff=10,
    retry_backoff_max=600,
    max_retries=8,
)
def analyser_document_task(document_id: str) -> str | None:
    """Scan one document with clamd; nothing to do when it is already judged."""
    document = services.document_analyser(document_id=document_id)
    return document.etat_analyse if document is not None else None


@shared_task(name="documents.relancer_analyses")
def relancer_analyses_task(minutes: int = 15) -> int:
    """Re-queue the scans of documents pending for more than ``minutes`` (lost task, clamd down), and
    of the documents never scanned (uploaded before clamd was configured), 500 at a time.
    Meant for celery beat, e.g. every 15 minutes."""
    if not clamd_configure():
        return 0
    limite = timezone.now() - timedelta(minutes=minutes)
    ids = list(
        Document.objects.filter(etat_analyse__in=services.ETATS_A_ANALYSER, depose_le__lt=limite)
        .order_by("depose_le").values_list("pk", flat=True)[:500]
    )
    from care_portal.core.travaux import confier

    for pk in ids:
        confier(analyser_document_task, str(pk), objet=f"documents.document:{pk}", immediat=True)
    return len(ids)


@shared_task(name="documents.nettoyer_orphelins")
def nettoyer_orphelins_task() -> int:
    """Beat job (daily): remove stored files no document points to, past the grace period (issue 24)."""
    return len(services.orphelins_nettoyer())
