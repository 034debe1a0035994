"""The sentences of the declaration's log codes, for its timeline (care_portal.workflow.chronologie);
registered from ``DeclarationsConfig.ready()``. The documents' codes are the documents app's."""

from __future__ import annotations

LIBELLES: dict[str, tuple[str, str]] = {
    "declarations.declaration.creee": ("Déclaration ouverte", "etat"),
    "declarations.declaration.ligne_ajoutee": ("Dépense ajoutée au bilan", "edition"),
    "declarations.declaration.ligne_supprimee": ("Dépense retirée du bilan", "edition"),
    "declarations.declaration.bilan_importe": ("Bilan importé depuis un fichier", "edition"),
    "declarations.declaration.deposee": ("Déclaration déposée", "etat"),
    "declarations.declaration.complement_demande": ("Complément demandé par l'ARS", "etat"),
    "declarations.declaration.declaree_complete": ("Déclaration déclarée complète par l'ARS", "etat"),
    "declarations.declaration.declaree_non_recevable": ("Déclaration déclarée non recevable par l'ARS", "etat"),
    "declarations.declaration.recepisse_genere": ("Récépissé de dépôt généré", "document"),
}


def enregistrer() -> None:
    from care_portal.core import etapes

    etapes.enregistrer_libelles(LIBELLES)
