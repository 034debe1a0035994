"""What the declarations app brings to the agents' bulk actions (care_portal.bureau, issue 21): what is
awaited of the establishment at the declaration step (« Relancer l'établissement »: the declaration to submit
while the window is open, the complement the ARS asked for), and which of its models hold a dossier's
documents (receipts, supporting documents of the cost lines), for the ZIP archive. Called once from
``DeclarationsConfig.ready()``."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from care_portal.bureau import actions
from care_portal.bureau.archives import registre


def attente_declaration(c) -> actions.Attente | None:
    from candidatures.selectors import emails_es

    from .models import Declaration

    d = Declaration.objects.filter(candidature_id=c.pk).first()
    if d is None:
        return None
    lien = settings.SITE_URL + reverse("declarations:detail", args=[d.pk])
    if d.etat == Declaration.Etat.BROUILLON:
        a = c.appel
        aujourd_hui = timezone.localdate()
        if not (a.declaration_debut and a.declaration_fin and a.declaration_debut <= aujourd_hui <= a.declaration_fin):
            return None
        return actions.Attente(
            cle="declaration.depot", objet="compléter et déposer la déclaration d'atteinte des objectifs",
            destinataires=tuple(emails_es(c)), lien=lien, echeance=a.declaration_fin,
            precision="Le bilan financier et les preuves de chaque objectif l'accompagnent. Après la clôture des "
                      "déclarations, elle ne pourra plus être déposée.")
    if d.etat == Declaration.Etat.COMPLEMENT_DEMANDE:
        depot = d.deposee_le.isoformat() if d.deposee_le else ""
        return actions.Attente(
            cle=f"declaration.complement.{depot}",
            objet="compléter la déclaration d'atteinte des objectifs puis la déposer de nouveau",
            destinataires=tuple(emails_es(c)), lien=lien,
            precision=f"Ce que l'ARS demande :\n{d.motif}" if d.motif else "")
    return None


def enregistrer() -> None:
    from .models import Declaration, LigneBilan

    actions.enregistrer_attente("declaration", attente_declaration)
    registre.enregistrer_pieces(Declaration, "candidature", "Déclaration", ordre=60)
    registre.enregistrer_pieces(LigneBilan, "declaration__candidature", "Déclaration", ordre=61)
