"""The candidature's timeline: the sentences of its log codes (registered in the stage registry from
``CandidaturesConfig.ready()``) and what only its history shows (queries.chronologie)."""

from __future__ import annotations

from care_portal.workflow import chronologie

# code of the log → (sentence, kind). The sentence may use {finess}, {libelle}… from the row's données.
LIBELLES: dict[str, tuple[str, str]] = {
    "candidatures.candidature.creee": ("Candidature ouverte", "etat"),
    "candidatures.candidature.enregistree": ("Brouillon enregistré", "edition"),
    "candidatures.candidature.perimetre_ajuste": ("Périmètre ajusté pour {finess}", "edition"),
    "candidatures.candidature.audit_date_indiquee": ("Date de l'audit de cybersurveillance indiquée pour {finess}", "edition"),
    "candidatures.candidature.deposee": ("Candidature déposée", "etat"),
    "candidatures.candidature.complement_demande": ("Complément demandé par l'ARS", "etat"),
    "candidatures.candidature.declaree_complete": ("Candidature déclarée complète par l'ARS", "etat"),
    "candidatures.candidature.rejetee": ("Candidature rejetée par l'ARS", "etat"),
    "candidatures.candidature.retiree": ("Candidature retirée par l'établissement", "etat"),
    "candidatures.candidature.recepisse_genere": ("Récépissé de dépôt généré", "document"),
    "candidatures.message.envoye": ("Message", "message"),
}

# successive draft saves by the same person: one entry, « (2 fois) »
FUSIONS = {"candidatures.candidature.enregistree": chronologie.FUSION_REPETITIONS}

TITRE_COMPLEMENT_DEPOSE = "Complément déposé : candidature de nouveau déposée"
COTES = {"es": "de l'établissement", "ars": "de l'ARS", "ans": "de l'ANS"}


def detail_ligne(ligne) -> str:
    return f"Prérequis de {ligne.libelle}"


def enregistrer() -> None:
    """Called once from ``CandidaturesConfig.ready()``."""
    from care_portal.core import etapes

    from .models import PerimetreLigne

    etapes.enregistrer_libelles(LIBELLES)
    chronologie.enregistrer_fusions(FUSIONS)
    chronologie.enregistrer_detail(PerimetreLigne, detail_ligne)
