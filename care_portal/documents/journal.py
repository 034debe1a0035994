"""The sentences of the documents' log codes, for every timeline that shows them (registered from
``DocumentsConfig.ready()``: documents are core, any stage's owner may log them)."""

from __future__ import annotations

from care_portal.workflow import chronologie

# {nom}: the file's name; {nombre}/{s}: how many documents a « verrouillé » row locks (care_portal.workflow.chronologie)
LIBELLES: dict[str, tuple[str, str]] = {
    "documents.document.depose": ("Document déposé : {nom}", "document"),
    "documents.document.nouvelle_version_deposee": ("Nouvelle version déposée : {nom}", "document"),
    "documents.document.remplace": ("Fichier remplacé : {nom}", "document"),
    "documents.document.supprime": ("Document supprimé : {nom}", "document"),
    "documents.document.verrouille": ("{nombre} document{s} verrouillé{s} au dépôt", "document"),
    "documents.document.sain": ("Analyse antivirale : aucun code malveillant dans {nom}", "document"),
    "documents.document.infecte": ("Analyse antivirale : {nom} est bloqué (code malveillant)", "document"),
}

# the lock writes one row per owner (the candidature, each perimeter line): one entry, the counts added up
FUSIONS = {"documents.document.verrouille": chronologie.FUSION_NOMBRE}


def enregistrer() -> None:
    from care_portal.core import etapes

    etapes.enregistrer_libelles(LIBELLES)
    chronologie.enregistrer_fusions(FUSIONS)
