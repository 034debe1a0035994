"""Reads of the federation: the linked identity of a login, the account a first login may link to."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from .models import IdentiteFederee


def identite_liee(*, fournisseur: str, sub: str) -> IdentiteFederee | None:
    return IdentiteFederee.objects.select_related("utilisateur").filter(fournisseur=fournisseur, sub=sub).first()


def compte_a_lier(email: str):
    """The active account whose *verified* address is ``email`` (case-insensitive), or None. Only a
    candidate: the link needs its owner's password (no account is ever taken from an address alone)."""
    if not email:
        return None
    return (get_user_model().objects
            .filter(email__iexact=email, is_active=True, email_verifie_le__isnull=False).first())


def identites_du_compte(utilisateur) -> QuerySet[IdentiteFederee]:
    return IdentiteFederee.objects.filter(utilisateur=utilisateur).order_by("fournisseur")
