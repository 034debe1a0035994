"""The desk's tasks (issue 21). Thin and idempotent (STYLE.md rule 7): they load by id and call a service.
Dispatched only through ``care_portal.core.travaux.confier``."""

from __future__ import annotations

from celery import shared_task

from .archives import services


@shared_task(name="bureau.construire_archive")
def construire_archive_task(archive_id: str) -> str:
    """Build the ZIP of one archive; nothing to do when it is already ready, failed or expired."""
    return services.archive_construire(archive_id=archive_id)


@shared_task(name="bureau.purger_archives")
def purger_archives_task() -> int:
    """Beat job (hourly): remove the ZIPs past their keeping time (CARE_BUREAU_ARCHIVE_HEURES)."""
    return services.archives_purger()
