"""A local fake of the Yousign API v3, for tests.

It serves, over real HTTP on 127.0.0.1 (``http.server`` in a thread), the endpoints the provider
uses, with Yousign's documented shapes and status codes:

- ``POST /v3/signature_requests`` (JSON) → 201, a draft;
- ``POST /v3/signature_requests/{id}/documents`` (multipart ``file`` + ``nature``) → 201, with
  ``total_pages``;
- ``POST /v3/signature_requests/{id}/signers`` (JSON) → 201;
- ``POST /v3/signature_requests/{id}/activate`` → 201, status ``ongoing``;
- ``GET /v3/signature_requests/{id}`` → 200;
- ``GET /v3/signature_requests/{id}/documents/download?version=completed|current`` → the PDF
  (``completed`` only once the request is ``done``, otherwise 400);
- 401 without or with a wrong Bearer key, 404 for an unknown id, 400 with Yousign's error body
  (``type``, ``detail``, ``invalid_params``) for a missing or invalid field.

Tests drive what the signers do (``signer``, ``refuser``, ``expirer``), inject failures for the
next calls (``pannes``: 503/429…; ``suspendre``: hang past the client's time-out) and receive
the webhooks Yousign would send, signed like Yousign signs them (``X-Yousign-Signature-256:
sha256=<hex HMAC-SHA256 of the raw body>``). Every request received is recorded in ``requetes``.

Use the ``faux_yousign`` fixture (a started fake), or ``yousign_configure`` which also points the
YOUSIGN_* settings at it; or ``with FauxYousign() as faux: ...``.
"""

from __future__ import annotations

import asyncio
import datetime
import functools
import hashlib
import hmac
import json
import re
import tempfile
import threading
import time
import uuid
import zoneinfo
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from email import policy
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.writer import PdfFileWriter
from pyhanko.sign import fields, signers

from care_portal.signature import pades
from care_portal.signature.yousign import FournisseurYousign

PREFIXE = "/v3"
CHEMIN_RAPPEL = "/candidatures/signature/yousign/rappel/"


class ErreurSimulation(AssertionError):
    """A simulated action that Yousign would not allow in that state (a test mistake)."""


@dataclass
class RequeteRecue:
    methode: str
    chemin: str  # after /v3, e.g. "/signature_requests/<id>/activate"
    query: dict[str, list[str]]
    entetes: dict[str, str]
    corps: bytes
    json: Any = None
    formulaire: dict[str, Any] | None = None  # multipart: name → str, or (filename, content_type, bytes)
    statut: int | None = None  # the status the fake answered (None: no answer, the client gave up)


@dataclass
class Panne:
    reste: int
    statut: int = 503
    retry_after: str | None = None
    duree: float = 0.0  # > 0: hang that long before answering
    traiter: bool = False  # when hanging: process the request first (the answer is then lost)
    motif: str = ""  # only requests whose "METHOD /path" matches this regex


@dataclass
class Webhook:
    evenement: dict
    corps: bytes
    entetes: dict[str, str]
    statuts: list[int] = field(default_factory=list)  # the receiver's answer to each delivery


def pdf_exemple(pages: int = 3) -> bytes:
    """A valid blank A4 PDF of ``pages`` pages."""
    writer = PdfFileWriter()
    for _ in range(pages):
        writer.insert_page(generic.DictionaryObject({
            generic.NameObject("/Type"): generic.NameObject("/Page"),
            generic.NameObject("/MediaBox"): generic.ArrayObject(
                [generic.NumberObject(v) for v in (0, 0, 595, 842)]
            ),
        }))
    sortie = BytesIO()
    writer.write(sortie)
    return sortie.getvalue()


def _pages(pdf: bytes) -> int:
    return int(PdfFileReader(BytesIO(pdf)).root["/Pages"]["/Count"])


def hors_boucle(fonction, /, *args, **kwargs):
    """Call ``fonction`` here, or in a thread of its own when this thread runs an event loop (pyHanko
    signs and validates through ``asyncio.run``; Playwright's sync API keeps a loop running)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return fonction(*args, **kwargs)
    with ThreadPoolExecutor(max_workers=1) as executeur:
        return executeur.submit(fonction, *args, **kwargs).result()


@functools.cache
def _certificat_yousign() -> signers.SimpleSigner:
    """The fake's own signing key and certificate (self-signed, made once per test process)."""
    with tempfile.TemporaryDirectory(prefix="faux-yousign-") as dossier:
        certificat, cle = Path(dossier) / "yousign.crt", Path(dossier) / "yousign.key"
        pades.generer_certificat_auto_signe(certificat, cle, nom_commun="Faux Yousign (tests)")
        return signers.SimpleSigner.load(str(cle), str(certificat))


def _pdf_signe(pdf: bytes, reference: str, signataires: list[str]) -> bytes:
    """The 'completed' version, as Yousign returns it: the original plus incremental updates (a
    marker with the request's id, then one PAdES signature per signer, made with the fake's
    certificate), so it differs from the upload while remaining a valid PDF that starts with the
    original bytes."""
    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    writer.root[generic.NameObject("/FauxYousignSigne")] = generic.TextStringObject(reference)
    writer.update_root()
    sortie = BytesIO()
    writer.write(sortie)
    for rang, signataire in enumerate(signataires, 1):
        meta = signers.PdfSignatureMetadata(field_name=f"Signature{rang}", name=signataire, md_algorithm="sha256",
                                            subfilter=fields.SigSeedSubFilter.PADES, reason="Yousign")
        sortie = hors_boucle(signers.sign_pdf, IncrementalPdfFileWriter(BytesIO(sortie.getvalue())), meta,
                             signer=_certificat_yousign())
    return sortie.getvalue()


def _maintenant() -> str:
    return datetime.datetime.now(datetime.UTC).replace(microsecond=0).isoformat()


class _Refus(Exception):
    def __init__(self, statut: int, corps: dict):
        super().__init__(statut)
        self.statut = statut
        self.corps = corps


def _invalide(*parametres: tuple[str, str]) -> _Refus:
    return _Refus(400, {
        "type": "invalid_request_error",
        "detail": "Request validation failed.",
        "invalid_params": [{"name": nom, "reason": raison} for nom, raison in parametres],
    })


def _introuvable(quoi: str) -> _Refus:
    return _Refus(404, {"type": "not_found_error", "detail": f"{quoi} not found."})


class FauxYousign:
    """The fake server and its state; thread-safe."""

    def __init__(self, *, api_key: str = "cle-api-de-test", webhook_secret: str = "secret-webhook-de-test"):
        self.api_key = api_key
        self.webhook_secret = webhook_secret
        self.url_webhook: str | None = None  # set it to have signer/expirer/refuser deliver webhooks
        self.requetes: list[RequeteRecue] = []
        self.demandes: dict[str, dict] = {}  # id → Yousign's signature request object
        self.documents: dict[str, dict] = {}  # id → {"objet": Yousign document, "pdf": bytes, "demande": id}
        self.signers: dict[str, dict] = {}  # id → Yousign signer object (+ "_demande")
        self.webhooks: list[Webhook] = []
        self._pannes: list[Panne] = []
        self._verrou = threading.RLock()
        self._liberer = threading.Event()
        self._serveur: ThreadingHTTPServer | None = None
        self._fil: threading.Thread | None = None

    # --- life cycle --------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The base URL to give the provider (like https://api-sandbox.yousign.app/v3)."""
        assert self._serveur is not None, "le faux Yousign n'est pas démarré"
        hote, port = self._serveur.server_address[:2]
        return f"http://{hote}:{port}{PREFIXE}"

    def demarrer(self) -> FauxYousign:
        faux = self

        class Gestionnaire(_Gestionnaire):
            pass

        Gestionnaire.faux = faux
        self._serveur = ThreadingHTTPServer(("127.0.0.1", 0), Gestionnaire)
        self._serveur.daemon_threads = True
        self._fil = threading.Thread(target=self._serveur.serve_forever, args=(0.05,), name="faux-yousign", daemon=True)
        self._fil.start()
        return self

    def arreter(self) -> None:
        self._liberer.set()  # release hung requests
        if self._serveur is not None:
            self._serveur.shutdown()
            self._serveur.server_close()
            self._serveur = None

    def __enter__(self) -> FauxYousign:
        return self.demarrer()

    def __exit__(self, *exc: object) -> None:
        self.arreter()

    def fournisseur(self, **options: Any) -> FournisseurYousign:
        """A provider pointed at this fake: short time-out, 3 attempts, no backoff."""
        reglages: dict[str, Any] = {
            "base_url": self.url, "api_key": self.api_key, "webhook_secret": self.webhook_secret,
            "timeout": 2.0, "max_tentatives": 3, "backoff": 0.0,
        }
        reglages.update(options)
        return FournisseurYousign(**reglages)

    # --- failure injection -------------------------------------------------------------------

    def pannes(self, n: int = 1, *, statut: int = 503, retry_after: str | None = None, motif: str = "") -> None:
        """The next ``n`` requests (matching ``motif``, a regex on "METHOD /path") answer ``statut``."""
        with self._verrou:
            self._pannes.append(Panne(reste=n, statut=statut, retry_after=retry_after, motif=motif))

    def suspendre(self, n: int = 1, *, secondes: float, traiter: bool = False, motif: str = "") -> None:
        """The next ``n`` requests hang ``secondes`` (past the client's time-out), then answer 504;
        with ``traiter``, each is processed before hanging, so its effect happens but its answer is
        lost (the client has given up)."""
        with self._verrou:
            self._pannes.append(Panne(reste=n, statut=504, duree=secondes, traiter=traiter, motif=motif))

    def _panne_pour(self, methode: str, chemin: str) -> Panne | None:
        with self._verrou:
            for panne in self._pannes:
                if panne.reste > 0 and (not panne.motif or re.search(panne.motif, f"{methode} {chemin}")):
                    panne.reste -= 1
                    return panne
        return None

    # --- what tests read ---------------------------------------------------------------------

    def requetes_vers(self, methode: str, motif: str) -> list[RequeteRecue]:
        """The recorded requests with this method whose path matches the regex ``motif``."""
        return [r for r in self.requetes if r.methode == methode and re.search(motif, r.chemin)]

    def pdf_depose(self, demande_id: str) -> bytes:
        return self.documents[self.demandes[demande_id]["documents"][0]["id"]]["pdf"]

    def pdf_signe(self, demande_id: str) -> bytes:
        """The 'completed' PDF, once the request is done."""
        return self.documents[self.demandes[demande_id]["documents"][0]["id"]]["signe"]

    # --- what signers do ---------------------------------------------------------------------

    def signer(self, demande_id: str, signer_id: str) -> list[Webhook]:
        """The signer signs (it must be their turn); once every signer has, the request is done.
        Returns the webhooks of the event(s): signer.done, then signature_request.done."""
        with self._verrou:
            demande = self._demande_simulee(demande_id)
            signer = self.signers.get(signer_id)
            if demande["status"] != "ongoing" or signer is None or signer["_demande"] != demande_id:
                raise ErreurSimulation(f"{signer_id} ne peut pas signer {demande_id} ({demande['status']})")
            if signer["status"] != "notified":
                raise ErreurSimulation(f"ce n'est pas le tour de {signer_id} (statut {signer['status']})")
            signer["status"] = "signed"
            suivant = next((s for s in self._signers_de(demande_id) if s["status"] == "initiated"), None)
            if suivant is not None:
                suivant["status"] = "notified"
                suivant["signature_link"] = f"https://yousign.app/signatures/{demande_id}?s={suivant['id']}"
            else:
                demande["status"] = "done"
                for ref in demande["documents"]:
                    document = self.documents[ref["id"]]
                    document["signe"] = _pdf_signe(document["pdf"], demande_id,
                                                   [s["id"] for s in self._signers_de(demande_id)])
            self._synchroniser(demande)
            evenements = [("signer.done", signer_id)]
            if demande["status"] == "done":
                evenements.append(("signature_request.done", None))
        return [self._publier(nom, demande_id, sid) for nom, sid in evenements]

    def refuser(self, demande_id: str, signer_id: str, raison: str = "Je refuse") -> Webhook:
        """The signer declines: signature_request.declined."""
        with self._verrou:
            demande = self._demande_simulee(demande_id)
            signer = self.signers[signer_id]
            if demande["status"] != "ongoing" or signer["status"] != "notified":
                raise ErreurSimulation(f"{signer_id} ne peut pas refuser {demande_id}")
            signer["status"] = "declined"
            demande["status"] = "declined"
            demande["decline_information"] = {"signer_id": signer_id, "reason": raison, "declined_at": _maintenant()}
            self._synchroniser(demande)
        return self._publier("signature_request.declined", demande_id, signer_id)

    def expirer(self, demande_id: str) -> Webhook:
        """The expiration date passes: signature_request.expired."""
        with self._verrou:
            demande = self._demande_simulee(demande_id)
            if demande["status"] not in ("ongoing", "approval"):
                raise ErreurSimulation(f"{demande_id} ne peut pas expirer ({demande['status']})")
            demande["status"] = "expired"
            self._synchroniser(demande)
        return self._publier("signature_request.expired", demande_id, None)

    # --- webhooks ----------------------------------------------------------------------------

    def construire_webhook(self, event_name: str, demande_id: str, signer_id: str | None = None, *,
                           secret: str | None = None) -> Webhook:
        """The webhook Yousign would send for this event, signed with ``secret`` (default: the
        fake's webhook secret). An id the fake does not know gives a minimal payload (to test a
        callback for a request the portal never sent)."""
        with self._verrou:
            connue = self.demandes.get(demande_id)
            demande = self._vue_demande(connue) if connue else {"id": demande_id, "status": "ongoing",
                                                                   "external_id": None}
            donnees: dict[str, Any] = {"signature_request": demande}
            if signer_id is not None:
                signer = self.signers.get(signer_id)
                donnees["signer"] = self._vue_signer(signer) if signer else {"id": signer_id, "status": "signed"}
        evenement = {
            "event_id": str(uuid.uuid4()),
            "event_name": event_name,
            "event_time": str(int(time.time())),
            "subscription_id": "5a4d8c1e-0000-4000-8000-000000000001",
            "subscription_description": "eCaRE (faux Yousign)",
            "sandbox": True,
            "data": donnees,
        }
        corps = json.dumps(evenement).encode()
        signature = hmac.new((secret if secret is not None else self.webhook_secret).encode(), corps,
                             hashlib.sha256).hexdigest()
        return Webhook(evenement=evenement, corps=corps, entetes={
            "Content-Type": "application/json",
            "User-Agent": "Yousign Webhook Bot",
            "X-Yousign-Signature-256": f"sha256={signature}",
            "X-Yousign-Issued-At": _maintenant(),
        })

    def livrer(self, webhook: Webhook, url: str | None = None, *, essai: int = 0) -> int:
        """POST the webhook (same body, same signature) to ``url`` (default ``url_webhook``);
        ``essai`` is Yousign's X-Yousign-Retry (0 first, then 1, 2… when it delivers it again).
        Returns the receiver's HTTP status."""
        cible = url or self.url_webhook
        if not cible:
            raise ErreurSimulation("aucune URL de webhook : passez url= ou réglez url_webhook")
        reponse = httpx.post(cible, content=webhook.corps,
                             headers={**webhook.entetes, "X-Yousign-Retry": str(essai)}, timeout=30)
        webhook.statuts.append(reponse.status_code)
        return reponse.status_code

    def _publier(self, event_name: str, demande_id: str, signer_id: str | None) -> Webhook:
        webhook = self.construire_webhook(event_name, demande_id, signer_id)
        with self._verrou:
            self.webhooks.append(webhook)
        if self.url_webhook:
            self.livrer(webhook)
        return webhook

    # --- state helpers -----------------------------------------------------------------------

    def _demande(self, demande_id: str) -> dict:
        demande = self.demandes.get(demande_id)
        if demande is None:
            raise _introuvable("Signature request")
        return demande

    def _demande_simulee(self, demande_id: str) -> dict:
        demande = self.demandes.get(demande_id)
        if demande is None:
            raise ErreurSimulation(f"demande de signature inconnue : {demande_id}")
        return demande

    def _signers_de(self, demande_id: str) -> list[dict]:
        return [self.signers[s["id"]] for s in self.demandes[demande_id]["signers"]]

    def _synchroniser(self, demande: dict) -> None:
        demande["signers"] = [{"id": s["id"], "status": s["status"]} for s in self._signers_de(demande["id"])]

    @staticmethod
    def _vue_demande(demande: dict) -> dict:
        return json.loads(json.dumps(demande))

    @staticmethod
    def _vue_signer(signer: dict) -> dict:
        return {k: v for k, v in json.loads(json.dumps(signer)).items() if not k.startswith("_")}

    # --- the API -----------------------------------------------------------------------------

    def _router(self, methode: str, chemin: str, query: dict, requete: RequeteRecue) -> tuple[int, Any, str]:
        """Returns (status, body, content type); raises _Refus for Yousign's error answers."""
        morceaux = [m for m in chemin.split("/") if m]
        if morceaux[:1] != ["signature_requests"]:
            raise _introuvable("Route")
        if len(morceaux) == 1 and methode == "POST":
            return 201, self._creer_demande(requete), "application/json"
        if len(morceaux) < 2:
            raise _introuvable("Route")
        demande = self._demande(morceaux[1])
        suite = morceaux[2:]
        if suite == [] and methode == "GET":
            return 200, self._vue_demande(demande), "application/json"
        if suite == ["documents"] and methode == "POST":
            return 201, self._ajouter_document(demande, requete), "application/json"
        if suite == ["signers"] and methode == "POST":
            return 201, self._ajouter_signer(demande, requete), "application/json"
        if suite == ["activate"] and methode == "POST":
            return 201, self._activer(demande), "application/json"
        if suite == ["documents", "download"] and methode == "GET":
            return 200, self._telecharger(demande, query), "application/pdf"
        raise _introuvable("Route")

    def _creer_demande(self, requete: RequeteRecue) -> dict:
        corps = requete.json
        if not isinstance(corps, dict):
            raise _invalide(("body", "This value should be a JSON object."))
        erreurs = []
        if not str(corps.get("name") or "").strip():
            erreurs.append(("name", "This value should not be blank."))
        if corps.get("delivery_mode") not in ("email", "none"):
            erreurs.append(("delivery_mode", "The value you selected is not a valid choice."))
        fuseau = corps.get("timezone") or "Europe/Paris"
        try:
            zone = zoneinfo.ZoneInfo(fuseau)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            erreurs.append(("timezone", "This value is not a valid timezone."))
            zone = zoneinfo.ZoneInfo("Europe/Paris")
        expiration = None
        if corps.get("expiration_date") is not None:
            texte = str(corps["expiration_date"])
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", texte):
                erreurs.append(("expiration_date", "This value is not a valid date (yyyy-mm-dd)."))
            else:
                try:
                    jour = datetime.date.fromisoformat(texte)
                except ValueError:
                    erreurs.append(("expiration_date", "This value is not a valid date (yyyy-mm-dd)."))
                else:
                    if jour < datetime.datetime.now(zone).date():
                        erreurs.append(("expiration_date", "This value should be greater than today."))
                    # Yousign keeps the request open until the end of that day in its timezone.
                    fin = datetime.datetime.combine(jour, datetime.time(23, 59, 59), tzinfo=zone)
                    expiration = fin.astimezone(datetime.UTC).isoformat()
        if erreurs:
            raise _invalide(*erreurs)
        demande = {
            "id": str(uuid.uuid4()),
            "status": "draft",
            "name": corps["name"],
            "delivery_mode": corps["delivery_mode"],
            "created_at": _maintenant(),
            "ordered_signers": bool(corps.get("ordered_signers", False)),
            "reminder_settings": None,
            "timezone": fuseau,
            "email_custom_note": corps.get("email_custom_note"),
            "expiration_date": expiration,
            "source": "public_api",
            "signers": [],
            "approvers": [],
            "documents": [],
            "external_id": corps.get("external_id"),
            "branding_id": None,
            "custom_experience_id": None,
            "sender": None,
            "workspace_id": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
            "audit_trail_locale": "fr",
            "signers_allowed_to_decline": False,
            "labels": [],
            "decline_information": None,
        }
        with self._verrou:
            self.demandes[demande["id"]] = demande
        return self._vue_demande(demande)

    @staticmethod
    def _exiger_brouillon(demande: dict) -> None:
        if demande["status"] != "draft":
            raise _Refus(400, {"type": "invalid_request_error",
                               "detail": f"Signature request status must be draft (is {demande['status']})."})

    def _ajouter_document(self, demande: dict, requete: RequeteRecue) -> dict:
        self._exiger_brouillon(demande)
        formulaire = requete.formulaire
        if formulaire is None:
            raise _invalide(("file", "The request must be multipart/form-data."))
        erreurs = []
        fichier = formulaire.get("file")
        if not isinstance(fichier, tuple):
            erreurs.append(("file", "This value should not be blank."))
        nature = formulaire.get("nature")
        if nature not in ("signable_document", "attachment"):
            erreurs.append(("nature", "The value you selected is not a valid choice."))
        if erreurs:
            raise _invalide(*erreurs)
        nom, type_contenu, contenu = fichier
        try:
            pages = _pages(contenu)
        except Exception:
            raise _invalide(("file", "The file is not a valid PDF.")) from None
        document = {
            "id": str(uuid.uuid4()),
            "filename": nom,
            "nature": nature,
            "content_type": "application/pdf",
            "sha256": hashlib.sha256(contenu).hexdigest(),
            "is_protected": False,
            "is_signed": False,
            "created_at": _maintenant(),
            "total_pages": pages,
            "is_locked": False,
            "initials": None,
            "total_anchors": 0,
        }
        with self._verrou:
            self.documents[document["id"]] = {"objet": document, "pdf": contenu, "demande": demande["id"]}
            demande["documents"].append({"id": document["id"], "nature": nature})
        return dict(document)

    def _ajouter_signer(self, demande: dict, requete: RequeteRecue) -> dict:
        self._exiger_brouillon(demande)
        corps = requete.json
        if not isinstance(corps, dict):
            raise _invalide(("body", "This value should be a JSON object."))
        erreurs = []
        info = corps.get("info") if isinstance(corps.get("info"), dict) else {}
        for cle in ("first_name", "last_name", "email", "locale"):
            if not str(info.get(cle) or "").strip():
                erreurs.append((f"info.{cle}", "This value should not be blank."))
        if info.get("email") and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", str(info["email"])):
            erreurs.append(("info.email", "This value is not a valid email address."))
        niveau = corps.get("signature_level")
        if niveau not in ("electronic_signature", "advanced_electronic_signature",
                          "qualified_electronic_signature"):
            erreurs.append(("signature_level", "The value you selected is not a valid choice."))
        if niveau == "electronic_signature" and corps.get("signature_authentication_mode") not in (
                "otp_email", "otp_sms", "no_otp"):
            erreurs.append(("signature_authentication_mode", "The value you selected is not a valid choice."))
        champs = []
        for i, champ in enumerate(corps.get("fields") or []):
            document = self.documents.get(str(champ.get("document_id")))
            if document is None or document["demande"] != demande["id"]:
                erreurs.append((f"fields[{i}].document_id", "This document does not belong to the signature request."))
                continue
            if champ.get("type") != "signature":
                erreurs.append((f"fields[{i}].type", "Only signature fields are supported by this fake."))
            page = champ.get("page")
            if not isinstance(page, int) or not 1 <= page <= document["objet"]["total_pages"]:
                erreurs.append((f"fields[{i}].page", "This page does not exist in the document."))
            for cle in ("x", "y"):
                if not isinstance(champ.get(cle), int) or champ[cle] < 0:
                    erreurs.append((f"fields[{i}].{cle}", "This value should be a positive integer."))
            if not isinstance(champ.get("width"), int) or champ["width"] < 85:
                erreurs.append((f"fields[{i}].width", "This value should be greater than or equal to 85."))
            if not isinstance(champ.get("height"), int) or champ["height"] < 37:
                erreurs.append((f"fields[{i}].height", "This value should be greater than or equal to 37."))
            champs.append({"id": str(uuid.uuid4()), **{k: champ.get(k) for k in (
                "document_id", "type", "page", "x", "y", "width", "height")}})
        if erreurs:
            raise _invalide(*erreurs)
        signer = {
            "id": str(uuid.uuid4()),
            "info": {"first_name": info["first_name"], "last_name": info["last_name"], "email": info["email"],
                     "phone_number": info.get("phone_number"), "locale": info["locale"]},
            "status": "initiated",
            "fields": champs,
            "signature_level": niveau,
            "signature_authentication_mode": corps.get("signature_authentication_mode"),
            "signature_link": None,
            "signature_link_expiration_date": None,
            "signature_image_preview": None,
            "redirect_urls": {"success": None, "error": None, "decline": None},
            "custom_text": {"request_subject": None, "request_body": None, "reminder_subject": None,
                            "reminder_body": None},
            "delivery_mode": None,
            "identification_attestation_id": None,
            "pre_identity_verification_required": False,
            "_demande": demande["id"],
        }
        with self._verrou:
            self.signers[signer["id"]] = signer
            demande["signers"].append({"id": signer["id"], "status": "initiated"})
        return self._vue_signer(signer)

    def _activer(self, demande: dict) -> dict:
        self._exiger_brouillon(demande)
        erreurs = []
        if not any(d["nature"] == "signable_document" for d in demande["documents"]):
            erreurs.append(("documents", "At least one signable document is required."))
        signers = self._signers_de(demande["id"])
        if not signers:
            erreurs.append(("signers", "At least one signer is required."))
        for signer in signers:
            if not any(c["type"] == "signature" for c in signer["fields"]):
                erreurs.append((f"signers[{signer['id']}].fields", "A signer needs a signature field."))
        if erreurs:
            raise _invalide(*erreurs)
        with self._verrou:
            demande["status"] = "ongoing"
            a_notifier = signers[:1] if demande["ordered_signers"] else signers
            for signer in a_notifier:
                signer["status"] = "notified"
                signer["signature_link"] = f"https://yousign.app/signatures/{demande['id']}?s={signer['id']}"
            self._synchroniser(demande)
        return self._vue_demande(demande)

    def _telecharger(self, demande: dict, query: dict) -> bytes:
        version = (query.get("version") or ["current"])[0]
        if version not in ("current", "completed"):
            raise _invalide(("version", "The value you selected is not a valid choice."))
        if version == "completed" and demande["status"] != "done":
            raise _Refus(400, {"type": "invalid_request_error",
                               "detail": "The completed version is only available when the signature request is done."})
        if not demande["documents"]:
            raise _introuvable("Document")
        document = self.documents[demande["documents"][0]["id"]]
        return document["signe"] if version == "completed" else document["pdf"]

    # --- HTTP plumbing -----------------------------------------------------------------------

    def _traiter(self, gestionnaire: _Gestionnaire) -> None:
        url = urlsplit(gestionnaire.path)
        longueur = int(gestionnaire.headers.get("Content-Length") or 0)
        corps = gestionnaire.rfile.read(longueur) if longueur else b""
        chemin = url.path[len(PREFIXE):] if url.path.startswith(PREFIXE + "/") else url.path
        requete = RequeteRecue(
            methode=gestionnaire.command, chemin=chemin, query=parse_qs(url.query),
            entetes={k: v for k, v in gestionnaire.headers.items()}, corps=corps,
        )
        type_contenu = gestionnaire.headers.get("Content-Type", "")
        if type_contenu.startswith("application/json") and corps:
            try:
                requete.json = json.loads(corps)
            except ValueError:
                requete.json = None
        elif type_contenu.startswith("multipart/form-data"):
            requete.formulaire = _lire_multipart(type_contenu, corps)
        with self._verrou:
            self.requetes.append(requete)

        statut, contenu, entetes, type_reponse = self._repondre(requete, url.path, chemin)
        requete.statut = statut
        try:
            gestionnaire.send_response(statut)
            gestionnaire.send_header("Content-Type", type_reponse)
            gestionnaire.send_header("Content-Length", str(len(contenu)))
            for cle, valeur in entetes.items():
                gestionnaire.send_header(cle, valeur)
            gestionnaire.end_headers()
            gestionnaire.wfile.write(contenu)
        except OSError:  # the client gave up (time-out)
            requete.statut = None

    def _repondre(self, requete: RequeteRecue, chemin_complet: str,
                  chemin: str) -> tuple[int, bytes, dict[str, str], str]:
        panne = self._panne_pour(requete.methode, chemin)
        if panne is not None and panne.duree > 0:
            resultat = self._repondre_api(requete, chemin_complet, chemin) if panne.traiter else None
            self._liberer.wait(panne.duree)
            if resultat is not None:
                return resultat
            return 504, json.dumps({"detail": "Gateway Timeout"}).encode(), {}, "application/json"
        if panne is not None:
            entetes = {"Retry-After": panne.retry_after} if panne.retry_after is not None else {}
            detail = "Too Many Requests" if panne.statut == 429 else "Service Unavailable"
            return panne.statut, json.dumps({"detail": detail}).encode(), entetes, "application/json"
        return self._repondre_api(requete, chemin_complet, chemin)

    def _repondre_api(self, requete: RequeteRecue, chemin_complet: str,
                      chemin: str) -> tuple[int, bytes, dict[str, str], str]:
        try:
            if not chemin_complet.startswith(PREFIXE + "/"):
                raise _introuvable("Route")
            autorisation = requete.entetes.get("Authorization") or requete.entetes.get("authorization") or ""
            attendue = f"Bearer {self.api_key}"
            if not hmac.compare_digest(autorisation.encode(), attendue.encode()):
                raise _Refus(401, {"type": "unauthorized", "detail": "Invalid or missing API key."})
            with self._verrou:
                statut, contenu, type_reponse = self._router(requete.methode, chemin, requete.query, requete)
        except _Refus as refus:
            return refus.statut, json.dumps(refus.corps).encode(), {}, "application/json"
        if isinstance(contenu, bytes):
            return statut, contenu, {}, type_reponse
        return statut, json.dumps(contenu).encode(), {}, type_reponse


def _lire_multipart(type_contenu: str, corps: bytes) -> dict[str, Any]:
    """Parse multipart/form-data with the e-mail parser (the cgi module is deprecated)."""
    message = BytesParser(policy=policy.HTTP).parsebytes(
        b"Content-Type: " + type_contenu.encode() + b"\r\n\r\n" + corps
    )
    champs: dict[str, Any] = {}
    if not message.is_multipart():
        return champs
    for partie in message.iter_parts():
        nom = partie.get_param("name", header="content-disposition")
        if not nom:
            continue
        contenu = partie.get_payload(decode=True) or b""
        nom_fichier = partie.get_filename()
        if nom_fichier is not None:
            champs[nom] = (nom_fichier, partie.get_content_type(), contenu)
        else:
            champs[nom] = contenu.decode()
    return champs


class _Gestionnaire(BaseHTTPRequestHandler):
    faux: FauxYousign

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self.faux._traiter(self)

    def do_POST(self) -> None:  # noqa: N802
        self.faux._traiter(self)

    def do_DELETE(self) -> None:  # noqa: N802
        self.faux._traiter(self)

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        pass


@pytest.fixture
def faux_yousign():
    """A started fake Yousign; stopped after the test."""
    with FauxYousign() as faux:
        yield faux


@pytest.fixture
def yousign_configure(faux_yousign, settings):
    """The fake, with the settings pointing the "yousign" provider at it (no backoff)."""
    settings.SIGNATURE_FOURNISSEUR = "yousign"
    settings.YOUSIGN_API_URL = faux_yousign.url
    settings.YOUSIGN_API_KEY = faux_yousign.api_key
    settings.YOUSIGN_WEBHOOK_SECRET = faux_yousign.webhook_secret
    settings.YOUSIGN_TIMEOUT = 2
    settings.YOUSIGN_TENTATIVES = 3
    settings.YOUSIGN_BACKOFF = 0
    return faux_yousign
