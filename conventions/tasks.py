"""Thin, idempotent tasks of the convention (STYLE.md rule 7). Their names were ``candidatures.*`` before
the convention became a stage of its own: migration 0002 renames the work still waiting under the old names."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="conventions.envoyer")
def envoyer_convention_task(convention_id: int) -> str:
    """Generate (once) and send the convention asked to be sent; a re-run finds nothing to do."""
    from .services import envoyer

    return envoyer(convention_id)


@shared_task(name="conventions.expirer")
def expirer_conventions_task() -> int:
    """Beat job: expire the conventions whose signing deadline passed (idempotent)."""
    from .services import conventions_expirer

    return conventions_expirer()


@shared_task(name="conventions.recuperer_signee", bind=True, max_retries=8)
def recuperer_convention_signee_task(self, convention_id: int) -> str:
    """Fetch the completed PDF from the provider after its "done" callback; retried with backoff."""
    from care_portal.signature.base import ErreurFournisseur

    from .services import recuperer_signee

    try:
        return recuperer_signee(convention_id)
    except ErreurFournisseur as erreur:
        raise self.retry(exc=erreur, countdown=min(3600, 30 * 2 ** self.request.retries)) from erreur


@shared_task(name="conventions.adresse_signataire_refusee")
def adresse_signataire_refusee_task(convention_id: int, adresses: list[str]) -> None:
    """The mail server refused the signatory's address when the signing e-mail was sent."""
    from .services import convention_signaler_adresse_refusee

    convention_signaler_adresse_refusee(convention_id=convention_id, adresse=", ".join(adresses))


@shared_task(name="conventions.contresigner")
def contresigner_convention_task(element_id: int) -> str:
    """Seal one convention of a DG's countersigning lot, on its own transaction; a re-run (or a
    convention countersigned meanwhile) has no second effect."""
    from .services import contresignature_sceller

    return contresignature_sceller(element_id)
