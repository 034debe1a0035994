"""The small interface every electronic-signature provider implements.

The convention services (candidatures/services_convention.py) only talk to this interface; the
provider is chosen by the ``SIGNATURE_FOURNISSEUR`` setting ("native", the embedded default, or
"yousign"). A provider:

- ``envoyer``: creates a signature request for a PDF and its ordered signers (the ES signatory,
  then the DG ANS who countersigns), with an expiry date; returns the provider's reference and
  the provider's id of each signer.
- ``statut``: the request's state as the provider sees it.
- ``document_signe``: the bytes of the completed (signed) PDF.
- ``lire_rappel``: checks and decodes a callback (webhook) delivered by the provider; raises
  ``RappelInvalide`` when its signature is wrong or its body unreadable.

Errors: ``ErreurFournisseur`` for a failure worth retrying later (time-out, 5xx, 429);
``RefusFournisseur`` for a request the provider refuses for good (4xx).
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol


class ErreurFournisseur(Exception):
    """A provider failure worth retrying (network, time-out, HTTP 5xx or 429)."""


class RefusFournisseur(Exception):
    """The provider refused the request for good (HTTP 4xx other than 429)."""


class RappelInvalide(Exception):
    """A callback whose signature does not verify, or whose body cannot be read."""


@dataclass(frozen=True)
class Signataire:
    prenom: str
    nom: str
    email: str
    fonction: str = ""
    role: str = "es"  # "es" (the establishment's signatory) or "ans" (the DG ANS, countersigns)


@dataclass(frozen=True)
class Envoi:
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
class Rappel:
    """A verified callback."""

    identifiant: str  # the provider's event id: a callback delivered twice has the same one
    type: str  # e.g. "signature_request.done", "signer.done", "signature_request.expired"
    reference: str  # the signature request's id
    signataire: str = ""  # the signer's id, for signer events
    horodatage: datetime.datetime | None = None
    donnees: Mapping = field(default_factory=dict)


class Fournisseur(Protocol):
    code: str

    def envoyer(self, *, nom: str, reference_interne: str, pdf: bytes, nom_fichier: str,
                signataires: list[Signataire], expire_le: datetime.date) -> Envoi: ...

    def statut(self, reference: str) -> Statut: ...

    def document_signe(self, reference: str) -> bytes: ...

    def lire_rappel(self, *, corps: bytes, entetes: Mapping[str, str]) -> Rappel: ...
