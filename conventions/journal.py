"""The sentences of the convention's log codes, for a timeline (care_portal.workflow.chronologie);
registered from ``ConventionsConfig.ready()``."""

from __future__ import annotations

LIBELLES: dict[str, tuple[str, str]] = {
    "conventions.convention.creee": ("Convention créée", "etat"),
    "conventions.convention.plafond_calcule": ("Plafond de la convention calculé", "edition"),
    "conventions.convention.montant_modifie": ("Montant de la convention abaissé par l'ANS", "edition"),
    "conventions.convention.envoi_demande": ("Envoi de la convention demandé", "edition"),
    "conventions.convention.generee": ("Convention générée", "document"),
    "conventions.convention.envoyee": ("Convention envoyée pour signature", "etat"),
    "conventions.convention.envoi_echoue": ("Échec de l'envoi de la convention", "edition"),
    "conventions.convention.envoi_relance": ("Envoi de la convention relancé", "edition"),
    "conventions.convention.renvoi_demande": ("Nouvel envoi de la convention demandé", "edition"),
    "conventions.convention.renvoyee": ("Convention envoyée de nouveau pour signature", "etat"),
    "conventions.convention.adresse_refusee": ("Adresse du signataire refusée par le serveur de messagerie", "edition"),
    "conventions.convention.consultee": ("Convention consultée par son signataire", "edition"),
    "conventions.convention.code_envoye": ("Code de signature envoyé", "edition"),
    "conventions.convention.signature_bloquee": ("Signature bloquée après trop de codes erronés", "edition"),
    "conventions.convention.signee_es": ("Convention signée par l'établissement", "etat"),
    "conventions.convention.contresignature_lancee": ("Contresignature lancée par l'ANS", "edition"),
    "conventions.convention.contresignee": ("Convention contresignée par l'ANS", "etat"),
    "conventions.convention.expiree": ("Convention expirée sans signature", "etat"),
}


def enregistrer() -> None:
    from care_portal.core import etapes

    etapes.enregistrer_libelles(LIBELLES)
