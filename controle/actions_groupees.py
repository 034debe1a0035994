"""What the control app brings to the agents' bulk actions (care_portal.bureau, issue 21): what is awaited of
the establishment at the control step (« Relancer l'établissement »: the answer to the controller's request
for information), and the control's documents (attestation, report, answers), for the ZIP archive. Called
once from ``ControleConfig.ready()``."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.urls import reverse

from care_portal.bureau import actions
from care_portal.bureau.archives import registre


def attente_controle(c) -> actions.Attente | None:
    from candidatures.selectors import emails_es

    from .models import Controle

    controle = Controle.objects.filter(declaration__candidature_id=c.pk).first()
    if controle is None or controle.etat != Controle.Etat.INFORMATIONS_DEMANDEES:
        return None
    demande = hashlib.sha256(controle.demande.encode()).hexdigest()[:12]
    return actions.Attente(
        cle=f"controle.informations.{controle.pk}.{demande}",
        objet="répondre à la demande d'informations du contrôle de l'ANS",
        destinataires=tuple(emails_es(c)), lien=settings.SITE_URL + reverse("controle:detail", args=[controle.pk]),
        precision=f"La demande du contrôleur :\n{controle.demande}" if controle.demande else "")


def enregistrer() -> None:
    from .models import Controle

    actions.enregistrer_attente("controle", attente_controle)
    registre.enregistrer_pieces(Controle, "declaration__candidature", "Contrôle", ordre=70)
