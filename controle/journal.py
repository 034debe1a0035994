"""The sentences of the control's log codes, for its timeline (care_portal.workflow.chronologie);
registered from ``ControleConfig.ready()``. The documents' codes are the documents app's."""

from __future__ import annotations

LIBELLES: dict[str, tuple[str, str]] = {
    "controle.controle.cree": ("Contrôle à planifier", "etat"),
    "controle.controle.planifie": ("Contrôle planifié", "etat"),
    "controle.controle.replanifie": ("Contrôle replanifié", "etat"),
    "controle.controle.commence": ("Contrôle commencé", "etat"),
    "controle.controle.grille_enregistree": ("Grille de contrôle enregistrée", "edition"),
    "controle.controle.informations_demandees": ("Informations demandées à l'établissement", "etat"),
    "controle.controle.reponse_recue": ("Réponse de l'établissement", "etat"),
    "controle.controle.atteinte_validee": ("Objectifs atteints", "etat"),
    "controle.controle.non_atteinte_constatee": ("Objectifs non atteints", "etat"),
    "controle.controle.attestation_generee": ("Attestation d'atteinte des objectifs générée et scellée", "document"),
    "controle.controle.rapport_genere": ("Rapport de contrôle généré", "document"),
}


def enregistrer() -> None:
    from care_portal.core import etapes

    etapes.enregistrer_libelles(LIBELLES)
