"""The sentences of the control's log codes, for its timeline (care_portal.workflow.chronologie);
registered from ``ControleConfig.ready()``. The documents' codes are the documents app's."""

from __future__ import annotations

LIBELLES: dict[str, tuple[str, str]] = {
    "controle.controle.cree": ("Contrôle à planifier", "etat"),
    "controle.controle.planifier": ("Contrôle planifié", "etat"),
    "controle.controle.replanifier": ("Contrôle replanifié", "etat"),
    "controle.controle.commencer": ("Contrôle commencé", "etat"),
    "controle.controle.grille_enregistree": ("Grille de contrôle enregistrée", "edition"),
    "controle.controle.demander_informations": ("Informations demandées à l'établissement", "etat"),
    "controle.controle.repondre": ("Réponse de l'établissement", "etat"),
    "controle.controle.valider_atteinte": ("Objectifs atteints", "etat"),
    "controle.controle.constater_non_atteinte": ("Objectifs non atteints", "etat"),
    "controle.controle.attestation": ("Attestation d'atteinte des objectifs générée et scellée", "document"),
    "controle.controle.rapport": ("Rapport de contrôle généré", "document"),
}


def enregistrer() -> None:
    from care_portal.core import etapes

    etapes.enregistrer_libelles(LIBELLES)
