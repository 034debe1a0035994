"""Writes of the federation: link, unlink, record a federated login. Each appends a log row on the
account (``care_portal.workflow.services.journaliser``) in the same transaction:

- ``federation.identite.liee``   (actor: the account's owner, after their password)
- ``federation.identite.deliee`` (actor: the ANS admin)
- ``federation.utilisateur.connecte``       (actor: the account's owner; payload: provider, acr, amr, mfa)
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from care_portal.comptes.selectors import habilitations
from care_portal.workflow.services import WorkflowError, journaliser

from .config import LIBELLES
from .models import IdentiteFederee
from .oidc import IdentiteOIDC


def identite_lier(*, utilisateur, identite: IdentiteOIDC) -> IdentiteFederee:
    """Link ``identite`` to ``utilisateur``. Precondition: the view checked the owner's password.
    Refused when this identity is already linked, or the account already has one for this provider."""
    libelle = LIBELLES.get(identite.fournisseur, identite.fournisseur)
    try:
        with transaction.atomic():
            user = get_user_model().objects.select_for_update().get(pk=utilisateur.pk)
            if not user.is_active:
                raise WorkflowError("Ce compte est désactivé.", code="etat")
            if IdentiteFederee.objects.filter(fournisseur=identite.fournisseur, sub=identite.sub).exists():
                raise WorkflowError(f"Cette identité {libelle} est déjà liée à un compte eCaRE.", code="etat")
            if IdentiteFederee.objects.filter(utilisateur=user, fournisseur=identite.fournisseur).exists():
                raise WorkflowError(
                    f"Votre compte eCaRE est déjà lié à une autre identité {libelle}. Demandez à un administrateur "
                    "de l'ANS de retirer l'ancienne liaison.", code="etat")
            lien = IdentiteFederee.objects.create(utilisateur=user, fournisseur=identite.fournisseur,
                                                  sub=identite.sub, email=identite.email)
            journaliser(user, "federation.identite.liee", acteur=user,
                        donnees={"fournisseur": libelle, "sub": identite.sub, "email": identite.email})
    except IntegrityError as exc:  # the same identity linked concurrently
        raise WorkflowError(f"Cette identité {libelle} est déjà liée à un compte eCaRE.", code="etat") from exc
    return lien


def identite_delier(*, identite: IdentiteFederee, acteur) -> None:
    """An ANS admin removes a link; the person then logs in with their password (or links again).
    Side effect: log row ``federation.identite.deliee``."""
    if acteur is None or not (acteur.is_superuser or habilitations(acteur).est_admin):
        raise WorkflowError("Seul un administrateur eCaRE de l'ANS peut retirer une identité liée.", code="droit")
    with transaction.atomic():
        lien = IdentiteFederee.objects.select_for_update().select_related("utilisateur").filter(pk=identite.pk).first()
        if lien is None:
            raise WorkflowError("Cette identité n'est plus liée au compte.", code="etat")
        donnees = {"fournisseur": lien.get_fournisseur_display(), "sub": lien.sub, "email": lien.email}
        lien.delete()
        journaliser(lien.utilisateur, "federation.identite.deliee", acteur=acteur, donnees=donnees)


def connexion_federee_enregistrer(*, lien: IdentiteFederee, identite: IdentiteOIDC) -> None:
    """A login through a linked identity: its time on the link, and a log row on the account."""
    with transaction.atomic():
        IdentiteFederee.objects.filter(pk=lien.pk).update(derniere_connexion_le=timezone.now())
        journaliser(lien.utilisateur, "federation.utilisateur.connecte", acteur=lien.utilisateur, donnees={
            "fournisseur": LIBELLES.get(identite.fournisseur, identite.fournisseur), "sub": identite.sub,
            "acr": identite.acr, "amr": identite.amr, "mfa": identite.mfa})
