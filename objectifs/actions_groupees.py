"""What the objectives app brings to the agents' bulk actions (care_portal.bureau, issue 21): which of its
evidence models hold a dossier's documents (AD descriptions, ADS and exposure reports, crisis exercises, GHT
governance and AD convergence), for the ZIP archive. Called once from ``ObjectifsConfig.ready()``."""

from __future__ import annotations

from care_portal.bureau.archives import registre


def enregistrer() -> None:
    from .models import AuditADS
    from .services import CATEGORIES

    for modele in CATEGORIES:
        chemin = "active_directory__candidature" if modele is AuditADS else "candidature"
        registre.enregistrer_pieces(modele, chemin, "Objectifs", ordre=50)
