"""The portal's own signature provider (``SIGNATURE_FOURNISSEUR = "native"``): PAdES with pyHanko.

``demander`` adds an empty signature field per signer's role to the PDF (``pades.preparer_champs``)
and keeps it in the provider's ``depot``. There is no third party to e-mail the signers: the
caller checks each signer's identity and consent itself (for the conventions, an e-mailed
one-time code) and then calls ``signer``, which fills that role's field with a PAdES signature
made with the platform certificate on the signer's behalf (``pades.sceller``) and keeps the new
version. The request is ``TERMINE`` once every signature field of its PDF is filled, ``EXPIRE``
when its expiry date passed before that, ``EN_COURS`` otherwise. There are no provider calls to
read (``lire_retour`` refuses any).

The depot is where the request's successive PDF versions live: ``DepotMemoire`` keeps them in
the process's memory (one-shot signatures, tests); a stage that already stores its documents
passes its own (the conventions keep them as the convention's documents).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

from django.utils import timezone

from care_portal.signature import pades
from care_portal.signature.base import (
    DemandeSignature,
    RefusFournisseur,
    RetourFournisseur,
    RetourInvalide,
    Signataire,
    Statut,
    verifier_signataires,
)

# role → (the PDF's signature field, the signature's /Reason)
CHAMPS_PAR_ROLE: dict[str, tuple[str, str]] = {
    "es": (pades.CHAMP_ES, pades.RAISON_ES),
    "ans": (pades.CHAMP_ANS, pades.RAISON_ANS),
}
ETAPE_DEMANDE = "demande"  # the depot's step for the prepared, unsigned PDF


class DepotNatif(Protocol):
    """Where the native provider keeps a request's PDF versions."""

    def enregistrer(self, reference: str, pdf: bytes, *, etape: str,
                    expire_le: datetime.date | None = None) -> None:
        """Keep ``pdf`` as the request's current version. ``etape``: ``ETAPE_DEMANDE`` (the prepared
        PDF, with the request's expiry date) or the role whose signature it just received."""

    def pdf(self, reference: str) -> bytes:
        """The request's current version; KeyError for an unknown reference."""

    def expire_le(self, reference: str) -> datetime.date | None:
        """The request's expiry date (None: none); KeyError for an unknown reference."""


@dataclass
class _Version:
    pdf: bytes
    expire_le: datetime.date | None


class DepotMemoire:
    """Versions kept in this process's memory (not shared with other processes, lost at exit)."""

    def __init__(self) -> None:
        self._demandes: dict[str, _Version] = {}

    def enregistrer(self, reference: str, pdf: bytes, *, etape: str,
                    expire_le: datetime.date | None = None) -> None:
        if etape == ETAPE_DEMANDE:
            self._demandes[reference] = _Version(pdf=pdf, expire_le=expire_le)
        else:
            self._demandes[reference].pdf = pdf

    def pdf(self, reference: str) -> bytes:
        return self._demandes[reference].pdf

    def expire_le(self, reference: str) -> datetime.date | None:
        return self._demandes[reference].expire_le


class PadesNatif:
    """The portal's PAdES signature behind the provider interface (``base.Fournisseur``)."""

    code = "native"

    def __init__(self, depot: DepotNatif, *,
                 aujourdhui: Callable[[], datetime.date] = timezone.localdate) -> None:
        """``aujourdhui`` gives the date the expiry is compared with (tests move it)."""
        self.depot = depot
        self._aujourdhui = aujourdhui

    def __repr__(self) -> str:
        return f"<PadesNatif {type(self.depot).__name__}>"

    # --- the interface ----------------------------------------------------------------------

    def demander(self, *, nom: str, reference_interne: str, pdf: bytes, nom_fichier: str,
                 signataires: list[Signataire], expire_le: datetime.date) -> DemandeSignature:
        """Prepare one empty signature field per signer's role and keep the PDF: the request is
        then waiting for ``signer``. The reference is ``native-<reference_interne>``. ``nom`` and
        ``nom_fichier`` only matter to third-party providers (they show them to the signers)."""
        verifier_signataires(signataires)
        reference = f"native-{reference_interne}"
        prepare = pades.preparer_champs(pdf, [CHAMPS_PAR_ROLE[s.role][0] for s in signataires])
        self.depot.enregistrer(reference, prepare, etape=ETAPE_DEMANDE, expire_le=expire_le)
        return DemandeSignature(reference=reference, signataires={s.role: s.role for s in signataires})

    def statut(self, reference: str) -> Statut:
        champs = pades.champs_signature(self._pdf(reference))
        if champs and all(champs.values()):
            return Statut.TERMINE
        expire_le = self._depot(self.depot.expire_le, reference)
        if expire_le is not None and self._aujourdhui() > expire_le:
            return Statut.EXPIRE
        return Statut.EN_COURS

    def document_signe(self, reference: str) -> bytes:
        statut = self.statut(reference)
        if statut is not Statut.TERMINE:
            raise RefusFournisseur(f"La demande de signature {reference} n'est pas terminée (statut : {statut}) : "
                                   "le document signé n'existe pas encore.")
        return self._pdf(reference)

    def lire_retour(self, *, corps: bytes, entetes: Mapping[str, str]) -> RetourFournisseur:
        raise RetourInvalide("La signature native du portail ne reçoit aucun appel de fournisseur.")

    # --- the native signing ---------------------------------------------------------------------

    def signer(self, reference: str, *, role: str, nom: str, fonction: str, horodatage: datetime.datetime,
               ip: str, lieu: str = "France") -> bytes:
        """Seal the field of ``role`` on behalf of ``nom``, whose identity and consent the caller
        checked at ``horodatage`` from ``ip``; keep and return the new version. The expiry date is
        the caller's to enforce when it collects the consent. Refusals: ``pades.ErreurSignature``
        (a ``RefusFournisseur``): field already signed, earlier signature broken, no certificate…"""
        if role not in CHAMPS_PAR_ROLE:
            raise ValueError(f"Rôle de signataire inconnu : {role!r}.")
        champ, raison = CHAMPS_PAR_ROLE[role]
        signe = pades.sceller(self._pdf(reference), champ=champ, nom=nom, fonction=fonction,
                              horodatage=horodatage, ip=ip, raison=raison, lieu=lieu)
        self.depot.enregistrer(reference, signe, etape=role)
        return signe

    # --- helpers ------------------------------------------------------------------------------

    def _pdf(self, reference: str) -> bytes:
        return self._depot(self.depot.pdf, reference)

    @staticmethod
    def _depot(lecture: Callable, reference: str):
        try:
            return lecture(reference)
        except KeyError:
            raise RefusFournisseur(f"Demande de signature native inconnue : {reference}.") from None
