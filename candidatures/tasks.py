"""Thin, idempotent tasks of the candidature (STYLE.md rule 7)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="candidatures.generer_recepisse")
def generer_recepisse_task(candidature_id: int, depot_iso: str) -> str | None:
    """Generate the receipt PDF of one submission (keyed by its date: a re-run does nothing)."""
    from .recepisse import generer_recepisse

    return generer_recepisse(candidature_id=candidature_id, depot_iso=depot_iso)


@shared_task(name="candidatures.envoyer_convention")
def envoyer_convention_task(convention_id: int) -> str:
    """Generate (once) and send the convention asked to be sent; a re-run finds nothing to do."""
    from .services_convention import envoyer

    return envoyer(convention_id)


@shared_task(name="candidatures.expirer_conventions")
def expirer_conventions_task() -> int:
    """Beat job: expire the conventions whose signing deadline passed (idempotent)."""
    from .services_convention import conventions_expirer

    return conventions_expirer()


@shared_task(name="candidatures.recuperer_convention_signee", bind=True, max_retries=8)
def recuperer_convention_signee_task(self, convention_id: int) -> str:
    """Fetch the completed PDF from the provider after its "done" callback; retried with backoff."""
    from care_portal.signature.base import ErreurFournisseur

    from .services_convention import recuperer_signee

    try:
        return recuperer_signee(convention_id)
    except ErreurFournisseur as erreur:
        raise self.retry(exc=erreur, countdown=min(3600, 30 * 2 ** self.request.retries)) from erreur


@shared_task(name="candidatures.adresse_signataire_refusee")
def adresse_signataire_refusee_task(convention_id: int, adresses: list[str]) -> None:
    """The mail server refused the signatory's address when the signing e-mail was sent."""
    from .services_convention import convention_signaler_adresse_refusee

    convention_signaler_adresse_refusee(convention_id=convention_id, adresse=", ".join(adresses))


@shared_task(name="candidatures.contresigner_convention")
def contresigner_convention_task(element_id: int) -> str:
    """Seal one convention of a DG's countersigning lot, on its own transaction; a re-run (or a
    convention countersigned meanwhile) has no second effect."""
    from .services_convention import contresignature_sceller

    return contresignature_sceller(element_id)
