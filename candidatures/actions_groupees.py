"""What the candidatures app brings to the agents' bulk actions (care_portal.bureau, issue 21):

- what is awaited of the establishment at the candidature and instruction steps (« Relancer
  l'établissement »): a draft to submit before the closing, the complement the ARS asked for;
- which of its models hold a dossier's documents, for the ZIP archive.

Called once from ``CandidaturesConfig.ready()``."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from care_portal.bureau import actions
from care_portal.bureau.archives import registre


def _lien(nom: str, *args) -> str:
    return settings.SITE_URL + reverse(nom, args=args)


def attente_candidature(c) -> actions.Attente | None:
    """A draft while the candidatures are open: to complete and submit."""
    from . import selectors
    from .models import Candidature

    fin = c.appel.candidature_fin
    if c.etat != Candidature.Etat.BROUILLON or fin is None or timezone.localdate() > fin:
        return None
    return actions.Attente(cle="candidature.brouillon", objet="compléter et déposer la candidature",
                           destinataires=tuple(selectors.emails_es(c)), lien=_lien("candidatures:detail", c.pk),
                           echeance=fin,
                           precision="Après la clôture des candidatures, elle ne pourra plus être déposée.")


def attente_instruction(c) -> actions.Attente | None:
    """The complement the ARS asked for."""
    from . import selectors
    from .models import Candidature

    if c.etat != Candidature.Etat.COMPLEMENT_DEMANDE:
        return None
    depot = c.deposee_le.isoformat() if c.deposee_le else ""
    return actions.Attente(cle=f"candidature.complement.{depot}",
                           objet="compléter la candidature puis la déposer de nouveau",
                           destinataires=tuple(selectors.emails_es(c)), lien=_lien("candidatures:detail", c.pk),
                           precision=f"Ce que l'ARS demande :\n{c.motif}" if c.motif else "")


def enregistrer() -> None:
    from .models import Candidature, Message, PerimetreLigne

    actions.enregistrer_attente("candidature", attente_candidature)
    actions.enregistrer_attente("instruction", attente_instruction)
    registre.enregistrer_pieces(Candidature, "pk", "Candidature", ordre=10)
    registre.enregistrer_pieces(PerimetreLigne, "candidature", "Prérequis", ordre=20)
    registre.enregistrer_pieces(Message, "candidature", "Messages", ordre=30)
