"""The sentences of the payment's log codes, for its timeline (care_portal.workflow.chronologie);
registered from ``PaiementConfig.ready()``."""

from __future__ import annotations

LIBELLES: dict[str, tuple[str, str]] = {
    "paiement.paiement.cree": ("Paiement créé (montant calculé)", "etat"),
    "paiement.paiement.valide": ("Paiement validé", "etat"),
    "paiement.paiement.ordonnance": ("Paiement ordonnancé", "etat"),
    "paiement.paiement.paye": ("Paiement versé", "etat"),
    "paiement.paiement.rejete": ("Paiement rejeté", "etat"),
    "paiement.paiement.iban_reverifie": ("Coordonnées bancaires revérifiées par l'ARS", "edition"),
    "paiement.paiement.mis_en_lot": ("Ajouté à un lot de virements SEPA", "edition"),
}


def enregistrer() -> None:
    from care_portal.core import etapes

    etapes.enregistrer_libelles(LIBELLES)
