"""Federated identities linked to portal accounts (ProConnect, Pro Santé Connect).

One row = one (provider, ``sub``) pair linked to one account, after the account's owner confirmed
with their portal password (``services.identite_lier``). No state machine: a link exists or it is
removed (``services.identite_delier``, by an ANS admin). A link never grants a role: memberships
come from the portal's own confirmations (comptes.Rattachement).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from .config import LIBELLES


class IdentiteFederee(models.Model):
    class Fournisseur(models.TextChoices):
        PROCONNECT = "proconnect", LIBELLES["proconnect"]
        PSC = "psc", LIBELLES["psc"]

    utilisateur = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="identites_federees",
        verbose_name="compte",
    )
    fournisseur = models.CharField("fournisseur d'identité", max_length=20, choices=Fournisseur.choices)
    sub = models.CharField("identifiant chez le fournisseur (sub)", max_length=255)
    email = models.EmailField("adresse e-mail chez le fournisseur", blank=True)
    liee_le = models.DateTimeField("liée le", default=timezone.now)
    derniere_connexion_le = models.DateTimeField("dernière connexion", null=True, blank=True)

    class Meta:
        verbose_name = "identité fédérée"
        verbose_name_plural = "identités fédérées"
        ordering = ["utilisateur", "fournisseur"]
        constraints = [
            models.UniqueConstraint(fields=["fournisseur", "sub"], name="identite_federee_unique"),
            # one identity per provider and account: a second one means a link to review, not to add
            models.UniqueConstraint(fields=["utilisateur", "fournisseur"], name="identite_federee_une_par_compte"),
        ]

    def __str__(self) -> str:
        return f"{self.get_fournisseur_display()} — {self.email or self.sub}"
