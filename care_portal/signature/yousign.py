"""The Yousign API v3 signature provider (``SIGNATURE_FOURNISSEUR = "yousign"``).

Sending a convention follows Yousign's documented sequence: create the signature request (draft,
``ordered_signers`` so that the DG ANS countersigns after the establishment), upload the PDF as a
``signable_document``, add each signer with one signature field on the document's last page, then
activate (Yousign e-mails each signer in turn). Its calls to the portal (``RetourFournisseur``) are Yousign webhooks signed with
HMAC-SHA256 of the raw body (``X-Yousign-Signature-256: sha256=<hex>``).

Failures: time-outs, connection errors, HTTP 5xx and 429 are retried with exponential backoff
(``Retry-After`` honoured) and end as ``ErreurFournisseur``; any other 4xx is ``RefusFournisseur``
carrying Yousign's error detail. The API key is only ever put in the ``Authorization`` header and
never logged.
"""

from __future__ import annotations

import datetime
import email.utils
import functools
import hashlib
import hmac
import json
import logging
import ssl
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from care_portal.core import format_fr
from care_portal.signature.base import (
    DemandeSignature,
    ErreurFournisseur,
    RefusFournisseur,
    RetourFournisseur,
    RetourInvalide,
    Signataire,
    Statut,
    verifier_signataires,
)

logger = logging.getLogger(__name__)

URL_PRODUCTION = "https://api.yousign.app/v3"
URL_BAC_A_SABLE = "https://api-sandbox.yousign.app/v3"

ENTETE_SIGNATURE = "X-Yousign-Signature-256"

# The convention PDF's last page carries two signature boxes side by side. Coordinates are in
# Yousign's system: points from the page's top-left corner.
CHAMP_LARGEUR = 226
CHAMP_HAUTEUR = 90
CHAMP_ES_X, CHAMP_ES_Y = 57, 460  # the establishment's signatory
CHAMP_ANS_X, CHAMP_ANS_Y = 312, 460  # the DG ANS, who countersigns
EMPLACEMENTS: dict[str, tuple[int, int]] = {
    "es": (CHAMP_ES_X, CHAMP_ES_Y),
    "ans": (CHAMP_ANS_X, CHAMP_ANS_Y),
}

# Yousign signature request statuses → the interface's statuses.
STATUTS: dict[str, Statut] = {
    "draft": Statut.BROUILLON,
    "approval": Statut.EN_COURS,  # waiting for approvers before the signers
    "ongoing": Statut.EN_COURS,
    "done": Statut.TERMINE,
    "expired": Statut.EXPIRE,
    "declined": Statut.REFUSE,  # a signer declined
    "rejected": Statut.REFUSE,  # an approver rejected
    "canceled": Statut.ANNULE,
    "deleted": Statut.ANNULE,
}

# Above this, a Retry-After is not waited for in full: the caller (a Celery task) retries later.
ATTENTE_MAX_SECONDES = 30.0


class FournisseurYousign:
    """Yousign API v3 over HTTP (httpx), with retries."""

    code = "yousign"

    def __init__(
        self,
        *,
        api_key: str,
        webhook_secret: str = "",
        base_url: str = URL_PRODUCTION,
        timeout: float = 10.0,
        max_tentatives: int = 4,
        backoff: float = 0.5,
        dormir: Callable[[float], None] = time.sleep,
    ) -> None:
        """``max_tentatives`` counts every attempt (the first one included); the n-th retry waits
        ``backoff * 2**(n-1)`` seconds, or Retry-After when longer (capped at ATTENTE_MAX_SECONDES).
        ``dormir`` lets tests record the waits instead of sleeping."""
        if max_tentatives < 1:
            raise ValueError("max_tentatives doit valoir au moins 1")
        self.base_url = base_url.rstrip("/")
        self._api_key = api_key
        self._webhook_secret = webhook_secret
        self.timeout = timeout
        self.max_tentatives = max_tentatives
        self.backoff = backoff
        self._dormir = dormir

    def __repr__(self) -> str:  # never show the key
        return f"<FournisseurYousign {self.base_url}>"

    @classmethod
    def depuis_settings(cls) -> FournisseurYousign:
        """The provider configured by the YOUSIGN_* settings (URL, key, webhook secret, time-out in
        seconds, attempts, backoff base in seconds)."""
        from django.conf import settings

        return cls(
            base_url=getattr(settings, "YOUSIGN_API_URL", URL_PRODUCTION) or URL_PRODUCTION,
            api_key=getattr(settings, "YOUSIGN_API_KEY", ""),
            webhook_secret=getattr(settings, "YOUSIGN_WEBHOOK_SECRET", ""),
            timeout=float(getattr(settings, "YOUSIGN_TIMEOUT", 10.0)),
            max_tentatives=int(getattr(settings, "YOUSIGN_TENTATIVES", 4)),
            backoff=float(getattr(settings, "YOUSIGN_BACKOFF", 0.5)),
        )

    # --- the interface ----------------------------------------------------------------------

    def demander(self, *, nom: str, reference_interne: str, pdf: bytes, nom_fichier: str,
                 signataires: list[Signataire], expire_le: datetime.date) -> DemandeSignature:
        """Create, fill and activate a signature request; the signers sign in the given order.

        A failure midway leaves a draft at Yousign that no one is notified of; calling again
        creates a new request."""
        verifier_signataires(signataires)

        with self._client() as client:
            demande = self._json(self._appeler(client, "POST", "/signature_requests", json={
                "name": nom[:128],
                "delivery_mode": "email",
                "timezone": "Europe/Paris",
                "ordered_signers": True,
                "expiration_date": expire_le.isoformat(),
                "external_id": reference_interne,
            }))
            reference = str(demande["id"])
            document = self._json(self._appeler(
                client, "POST", f"/signature_requests/{reference}/documents",
                files={"file": (nom_fichier, pdf, "application/pdf")},
                data={"nature": "signable_document"},
            ))
            document_id = str(document["id"])
            derniere_page = int(document.get("total_pages") or 1)

            ids: dict[str, str] = {}
            for signataire in signataires:
                x, y = EMPLACEMENTS[signataire.role]
                signer = self._json(self._appeler(
                    client, "POST", f"/signature_requests/{reference}/signers", json={
                        "info": {
                            "first_name": signataire.prenom,
                            "last_name": signataire.nom,
                            "email": signataire.email,
                            "locale": "fr",
                        },
                        "signature_level": "electronic_signature",
                        "signature_authentication_mode": "otp_email",
                        "fields": [{
                            "document_id": document_id,
                            "type": "signature",
                            "page": derniere_page,
                            "x": x,
                            "y": y,
                            "width": CHAMP_LARGEUR,
                            "height": CHAMP_HAUTEUR,
                        }],
                    }))
                ids[signataire.role] = str(signer["id"])

            self._activer(client, reference)
        logger.info("Demande de signature Yousign %s activée (%s).", reference, reference_interne)
        return DemandeSignature(reference=reference, signataires=ids)

    def statut(self, reference: str) -> Statut:
        with self._client() as client:
            demande = self._json(self._appeler(client, "GET", f"/signature_requests/{reference}"))
        brut = str(demande.get("status", ""))
        try:
            return STATUTS[brut]
        except KeyError:
            raise ErreurFournisseur(f"Statut Yousign inconnu : « {brut} ».") from None

    def document_signe(self, reference: str) -> bytes:
        """The completed PDF (Yousign answers ``application/pdf`` for a single document)."""
        with self._client() as client:
            reponse = self._appeler(
                client, "GET", f"/signature_requests/{reference}/documents/download",
                params={"version": "completed"}, headers={"Accept": "application/pdf"},
            )
        if not reponse.content.startswith(b"%PDF"):
            raise ErreurFournisseur("Yousign n'a pas renvoyé de document PDF signé.")
        return reponse.content

    def lire_retour(self, *, corps: bytes, entetes: Mapping[str, str]) -> RetourFournisseur:
        """Verify the webhook's HMAC against the raw body, then decode the event."""
        if not self._webhook_secret:
            raise RetourInvalide("Le secret des webhooks Yousign n'est pas configuré.")
        recue = _entete(entetes, ENTETE_SIGNATURE)
        if not recue:
            raise RetourInvalide("Le webhook Yousign n'est pas signé (en-tête X-Yousign-Signature-256 absent).")
        attendue = "sha256=" + hmac.new(self._webhook_secret.encode(), corps, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(recue.strip().encode(), attendue.encode()):
            raise RetourInvalide("La signature du webhook Yousign est invalide.")

        try:
            evenement = json.loads(corps)
        except (UnicodeDecodeError, ValueError):
            raise RetourInvalide("Le corps du webhook Yousign n'est pas du JSON lisible.") from None
        if not isinstance(evenement, dict):
            raise RetourInvalide("Le corps du webhook Yousign n'est pas un objet JSON.")
        donnees = evenement.get("data")
        demande = donnees.get("signature_request") if isinstance(donnees, dict) else None
        signer = donnees.get("signer") if isinstance(donnees, dict) else None
        identifiant, type_ = evenement.get("event_id"), evenement.get("event_name")
        reference = demande.get("id") if isinstance(demande, dict) else None
        if not (isinstance(identifiant, str) and identifiant and isinstance(type_, str) and type_
                and isinstance(reference, str) and reference):
            raise RetourInvalide(
                "Le webhook Yousign est incomplet (event_id, event_name ou data.signature_request.id manquant)."
            )
        return RetourFournisseur(
            identifiant=identifiant,
            type=type_,
            reference=reference,
            signataire=str(signer.get("id") or "") if isinstance(signer, dict) else "",
            horodatage=_horodatage(evenement.get("event_time")),
            donnees=evenement,
        )

    # --- HTTP --------------------------------------------------------------------------------

    def _client(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.base_url + "/",
            headers={"Authorization": f"Bearer {self._api_key}", "Accept": "application/json",
                     "User-Agent": "eCaRE"},
            timeout=self.timeout,
            verify=_contexte_tls(),
        )

    def _activer(self, client: httpx.Client, reference: str) -> None:
        """Activate; an activation that succeeded but whose answer was lost makes the retry fail
        with a 4xx, so a refusal is double-checked against the request's actual status."""
        try:
            self._appeler(client, "POST", f"/signature_requests/{reference}/activate")
        except RefusFournisseur:
            demande = self._json(self._appeler(client, "GET", f"/signature_requests/{reference}"))
            if STATUTS.get(str(demande.get("status"))) is not Statut.EN_COURS:
                raise

    def _appeler(self, client: httpx.Client, methode: str, chemin: str, **options: Any) -> httpx.Response:
        """One API call with retries; returns a 2xx response or raises."""
        url = chemin.lstrip("/")
        derniere: str = ""
        for tentative in range(1, self.max_tentatives + 1):
            retry_after: float | None = None
            try:
                reponse = client.request(methode, url, **options)
            except httpx.TimeoutException:
                derniere = "délai de réponse dépassé"
            except httpx.TransportError as exc:
                derniere = f"connexion impossible ({type(exc).__name__})"
            else:
                if reponse.is_success:
                    return reponse
                if reponse.status_code == 429 or reponse.status_code >= 500:
                    derniere = f"HTTP {reponse.status_code}"
                    retry_after = _retry_after(reponse.headers.get("Retry-After"))
                else:
                    detail = _detail_erreur(reponse)
                    logger.warning("Yousign %s %s : HTTP %s %s", methode, chemin, reponse.status_code, detail)
                    raise RefusFournisseur(
                        f"Yousign a refusé la demande (HTTP {reponse.status_code}) : {detail}"
                    )
            logger.warning("Yousign %s %s, tentative %s/%s : %s", methode, chemin, tentative,
                           self.max_tentatives, derniere)
            if tentative < self.max_tentatives:
                attente = self.backoff * 2 ** (tentative - 1)
                if retry_after is not None:
                    attente = max(attente, retry_after)
                self._dormir(min(attente, ATTENTE_MAX_SECONDES))
        raise ErreurFournisseur(
            f"Yousign est indisponible ({derniere}) après {self.max_tentatives} tentative{format_fr.s(self.max_tentatives)} ; "
            "réessayez plus tard."
        )

    @staticmethod
    def _json(reponse: httpx.Response) -> dict:
        try:
            contenu = reponse.json()
        except ValueError:
            raise ErreurFournisseur("Yousign a renvoyé une réponse illisible.") from None
        if not isinstance(contenu, dict) or "id" not in contenu:
            raise ErreurFournisseur("Yousign a renvoyé une réponse inattendue.")
        return contenu


@functools.cache
def _contexte_tls() -> ssl.SSLContext:
    """One TLS context for every client: building it (loading the CA bundle) costs ~50 ms."""
    import certifi

    return ssl.create_default_context(cafile=certifi.where())


def _entete(entetes: Mapping[str, str], nom: str) -> str:
    """Case-insensitive header lookup (Django's request.headers is; a plain dict is not)."""
    valeur = entetes.get(nom)
    if valeur is not None:
        return valeur
    nom = nom.lower()
    for cle, val in entetes.items():
        if cle.lower() == nom:
            return val
    return ""


def _horodatage(valeur: Any) -> datetime.datetime | None:
    """Yousign's ``event_time`` is a Unix timestamp, sent as a string."""
    try:
        return datetime.datetime.fromtimestamp(int(str(valeur)), tz=datetime.UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def _retry_after(valeur: str | None) -> float | None:
    """Retry-After as seconds or as an HTTP date."""
    if not valeur:
        return None
    valeur = valeur.strip()
    try:
        return max(0.0, float(valeur))
    except ValueError:
        pass
    try:
        quand = email.utils.parsedate_to_datetime(valeur)
    except (TypeError, ValueError):
        return None
    if quand.tzinfo is None:
        quand = quand.replace(tzinfo=datetime.UTC)
    return max(0.0, (quand - datetime.datetime.now(datetime.UTC)).total_seconds())


def _detail_erreur(reponse: httpx.Response) -> str:
    """Yousign's error body: ``detail`` plus, for validation errors, ``invalid_params``."""
    try:
        corps = reponse.json()
    except ValueError:
        return reponse.text[:300] or reponse.reason_phrase
    if not isinstance(corps, dict):
        return str(corps)[:300]
    detail = str(corps.get("detail") or corps.get("message") or corps.get("type") or reponse.reason_phrase)
    parametres = corps.get("invalid_params")
    if isinstance(parametres, list) and parametres:
        raisons = "; ".join(
            f"{p.get('name')} : {p.get('reason')}" for p in parametres if isinstance(p, dict)
        )
        if raisons:
            detail = f"{detail} ({raisons})"
    return detail
