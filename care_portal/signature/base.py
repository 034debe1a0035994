"""The small interface every electronic-signature provider implements.

The convention services (candidatures/services_convention.py) talk to this interface; the provider
is chosen by the ``SIGNATURE_FOURNISSEUR`` setting ("native", the embedded default, or "yousign").
A provider:

- ``demander``: creates a signature request for a PDF and its ordered signers (e.g. the ES
  signatory, then the DG ANS who countersigns), with an expiry date; returns the request's
  reference and the provider's id of each signer (``DemandeSignature``).
- ``statut``: the request's state as the provider sees it (``Statut``).
- ``document_signe``: the bytes of the completed (signed) PDF; ``RefusFournisseur`` while the
  request is not completed.
- ``lire_retour``: checks and decodes a call the provider makes to the portal (a webhook);
  raises ``RetourInvalide`` when its signature is wrong or its body unreadable.

Errors: ``ErreurFournisseur`` for a failure worth retrying later (time-out, 5xx, 429);
``RefusFournisseur`` for a request the provider refuses for good (4xx, unknown request, document
not signed yet); ``ValueError`` for signers the interface does not accept (none, a role twice, an
unknown role).

Words: a « demande de signature » is a request to a provider (not an e-mail, not the convention's
sending counter); a « retour du fournisseur » is the provider's webhook call (not a reminder).
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol, runtime_checkable

ROLES = ("es", "ans")  # the establishment's signatory, then the DG ANS (countersigns)


class ErreurFournisseur(Exception):
    """A provider failure worth retrying (network, time-out, HTTP 5xx or 429)."""


class RefusFournisseur(Exception):
    """The provider refused the request for good (HTTP 4xx other than 429, unknown request…)."""


class RetourInvalide(Exception):
    """A provider's call (webhook) whose signature does not verify, or whose body cannot be read."""


@dataclass(frozen=True)
class Signataire:
    prenom: str
    nom: str
    email: str
    fonction: str = ""
    role: str = "es"  # "es" (the establishment's signatory) or "ans" (the DG ANS, countersigns)


@dataclass(frozen=True)
class DemandeSignature:
    """A signature request as the provider created it."""

    reference: str  # the provider's id of the signature request
    signataires: dict[str, str] = field(default_factory=dict)  # role → the provider's signer id


class Statut(StrEnum):
    BROUILLON = "brouillon"
    EN_COURS = "en_cours"  # activated, waiting for signatures
    TERMINE = "termine"  # every signer signed
    EXPIRE = "expire"
    REFUSE = "refuse"  # declined by a signer
    ANNULE = "annule"


@dataclass(frozen=True)
class RetourFournisseur:
    """A verified call (webhook) of the provider."""

    identifiant: str  # the provider's event id: a call delivered twice has the same one
    type: str  # e.g. "signature_request.done", "signer.done", "signature_request.expired"
    reference: str  # the signature request's id
    signataire: str = ""  # the signer's id, for signer events
    horodatage: datetime.datetime | None = None
    donnees: Mapping = field(default_factory=dict)


def verifier_signataires(signataires: list[Signataire]) -> None:
    """The signers every provider accepts: at least one, each role once, known roles only."""
    if not signataires:
        raise ValueError("Au moins un signataire est requis.")
    roles = [s.role for s in signataires]
    if len(set(roles)) != len(roles):
        raise ValueError("Chaque rôle de signataire ne peut apparaître qu'une fois.")
    for role in roles:
        if role not in ROLES:
            raise ValueError(f"Rôle de signataire inconnu : {role!r}.")


@runtime_checkable
class Fournisseur(Protocol):
    code: str

    def demander(self, *, nom: str, reference_interne: str, pdf: bytes, nom_fichier: str,
                 signataires: list[Signataire], expire_le: datetime.date) -> DemandeSignature: ...

    def statut(self, reference: str) -> Statut: ...

    def document_signe(self, reference: str) -> bytes: ...

    def lire_retour(self, *, corps: bytes, entetes: Mapping[str, str]) -> RetourFournisseur: ...
