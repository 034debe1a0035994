"""Every write on documents (STYLE.md: services write, inside a transaction, logged).

- ``document_deposer``: store an uploaded file for an owner (or a new version of a document).
- ``document_remplacer``: replace the file of a document that is not locked, in place.
- ``document_supprimer``: delete a document that is not locked (its row stays, its bytes go).
- ``document_verrouiller``: lock documents when the owning step is submitted.
- ``document_analyser``: the antivirus verdict (called by ``analyser_document_task``).
- ``telechargement_enregistrer``: one row of the download log.

Each write appends a row to the workflow log *of the owner* (so the dossier's timeline shows
it), with the document's id, category, name and SHA-256 in ``donnees``. A refusal raises
``WorkflowError`` with a French message, and then nothing is stored: a partially written file
is removed from storage.
"""

from __future__ import annotations

import contextvars
import hashlib
import logging
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import BinaryIO

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import models, transaction
from django.utils import timezone

from care_portal.notifications.services import envoyer_email
from care_portal.workflow.services import WorkflowError, journaliser

from . import antivirus, validation
from .acces import acces_pour
from .models import Document, Telechargement
from .upload import message_trop_volumineux, taille_max

logger = logging.getLogger(__name__)

TAILLE_BLOC = 256 * 1024  # copy to storage in blocks of this size

MESSAGE_NOM = (
    "Le nom du fichier est vide ou ne contient que des caractères interdits : renommez le fichier "
    "puis déposez-le de nouveau."
)
MESSAGE_VERROUILLE_SUPPRESSION = (
    "Ce document est joint à une étape déjà déposée : il ne peut plus être supprimé. "
    "Vous pouvez en ajouter une nouvelle version."
)
MESSAGE_VERROUILLE_REMPLACEMENT = (
    "Ce document est joint à une étape déjà déposée : il ne peut plus être remplacé. "
    "Vous pouvez en ajouter une nouvelle version ; l'actuelle est conservée."
)
_CATEGORIE = re.compile(r"[a-z0-9][a-z0-9_.-]{0,49}")


class _TropVolumineux(Exception):
    pass


class _FluxControle:
    """The upload read once, in order, by the storage: hashed and counted on the way, cut past the limit."""

    def __init__(self, source: BinaryIO, limite: int):
        self.source = source
        self.limite = limite
        self.taille = 0
        self.empreinte = hashlib.sha256()

    def read(self, n: int = -1) -> bytes:
        donnees = self.source.read(n)
        if donnees:
            self.taille += len(donnees)
            if self.taille > self.limite:
                raise _TropVolumineux()
            self.empreinte.update(donnees)
        return donnees

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False  # the storage must read it in order, once (S3: non-seekable upload path)

    def close(self) -> None:
        pass  # the caller owns the source


@dataclass(frozen=True)
class _Contenu:
    cle: str
    nom: str
    type: validation.TypeFichier
    taille: int
    sha256: str


#: the storage keys of the documents deposited within the current ``fabrique.atelier`` (None outside any):
#: erased there if the block fails
STOCKES_DANS_L_ATELIER: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar(
    "documents_stockes_dans_l_atelier", default=None)


def _nouvelle_cle() -> str:
    maintenant = timezone.localtime()
    return f"documents/{maintenant:%Y}/{maintenant:%m}/{uuid.uuid4().hex}"


def effacer_contenu(cle: str) -> None:
    """Erase stored bytes; for a caller whose transaction rolled back a document it had deposited
    (see ``document_deposer``)."""
    try:
        default_storage.delete(cle)
    except Exception:  # noqa: BLE001 — cleaning up must not hide the original error
        logger.exception("documents: impossible d'effacer %s du stockage", cle)


def _effacer_apres_commit(cle: str) -> None:
    transaction.on_commit(lambda: effacer_contenu(cle))


def _stocker(fichier) -> _Contenu:
    """Check ``fichier`` (name, size, type on the content) and stream it into storage under a new
    key, hashing it on the way. Raises WorkflowError, leaving nothing in storage."""
    nom = validation.nettoyer_nom(getattr(fichier, "name", ""))
    if not nom:
        raise WorkflowError(MESSAGE_NOM, code="nom")
    limite = taille_max()
    taille_annoncee = getattr(fichier, "size", None)
    if taille_annoncee == 0:
        raise WorkflowError(validation.MESSAGE_VIDE, code="vide")
    if taille_annoncee is not None and taille_annoncee > limite:
        raise WorkflowError(message_trop_volumineux(), code="taille")
    try:
        type_fichier = validation.detecter_type(fichier)
    except validation.TypeRefuse as exc:
        raise WorkflowError(exc.message, code="type") from exc

    cle = _nouvelle_cle()
    fichier.seek(0)
    flux = _FluxControle(fichier, limite)
    contenu = File(flux, name=cle)
    contenu.DEFAULT_CHUNK_SIZE = TAILLE_BLOC  # FileSystemStorage copies content.chunks()
    try:
        cle = default_storage.save(cle, contenu)
    except _TropVolumineux:
        effacer_contenu(cle)
        raise WorkflowError(message_trop_volumineux(), code="taille") from None
    except BaseException:
        effacer_contenu(cle)
        raise
    if flux.taille == 0:
        effacer_contenu(cle)
        raise WorkflowError(validation.MESSAGE_VIDE, code="vide")
    return _Contenu(cle=cle, nom=nom, type=type_fichier, taille=flux.taille, sha256=flux.empreinte.hexdigest())


def _etat_initial() -> str:
    return Document.EtatAnalyse.EN_ATTENTE if antivirus.clamd_configure() else Document.EtatAnalyse.NON_ANALYSE


def _planifier_analyse(document: Document) -> None:
    if document.etat_analyse != Document.EtatAnalyse.EN_ATTENTE:
        return
    from care_portal.core.travaux import confier

    from .tasks import analyser_document_task

    # recorded in the upload's transaction (the outbox): published after commit, again if the broker was
    # down; relancer_analyses_task also re-queues a scan pending for too long
    confier(analyser_document_task, str(document.pk), objet=document)


def _journaliser(document: Document, code: str, *, acteur, proprietaire=None, **donnees) -> None:
    proprietaire = proprietaire if proprietaire is not None else document.proprietaire
    journaliser(
        proprietaire if proprietaire is not None else document,
        code,
        acteur=acteur,
        donnees={
            "document": str(document.pk),
            "categorie": document.categorie,
            "nom": document.nom_original,
            "sha256": document.sha256,
            "version": document.version,
            **donnees,
        },
    )


def _verifier_depot(acteur, proprietaire: models.Model, categorie: str) -> None:
    """The owner is declared, accepts this category from users, and ``acteur`` may add to it.
    The portal itself (``acteur`` None) may write any category (a receipt users must not forge)."""
    if not isinstance(categorie, str) or not _CATEGORIE.fullmatch(categorie):
        raise WorkflowError("Cette pièce n'est pas attendue pour ce dossier.", code="categorie")
    acces = acces_pour(type(proprietaire))
    if acces is None or proprietaire.pk is None:
        raise WorkflowError("Ce dossier n'accepte pas de documents.", code="proprietaire")
    if acteur is not None and acces.categories is not None and categorie not in acces.categories:
        raise WorkflowError("Cette pièce n'est pas attendue pour ce dossier.", code="categorie")
    if acteur is not None and not acces.proprietaires_deposables(acteur).filter(pk=proprietaire.pk).exists():
        raise WorkflowError("Vous n'avez pas le droit d'ajouter un document à ce dossier.", code="droit")


def _verifier_droit_document(acteur, document: Document) -> None:
    """``acteur`` (None = the portal) may change the documents of ``document``'s owner."""
    if acteur is None:
        return
    acces = acces_pour(document.content_type.model_class())
    if acces is None or not acces.proprietaires_deposables(acteur).filter(pk=document.object_id).exists():
        raise WorkflowError("Vous n'avez pas le droit de modifier les documents de ce dossier.", code="droit")


def _verifier_version_precedente(precedent: Document | None, proprietaire: models.Model, categorie: str) -> None:
    if precedent is None or precedent.est_supprime:
        raise WorkflowError("La version précédente de ce document n'existe plus.", code="remplace")
    ct = ContentType.objects.get_for_model(proprietaire, for_concrete_model=False)
    if (precedent.content_type_id, precedent.object_id, precedent.categorie) != (ct.pk, str(proprietaire.pk), categorie):
        raise WorkflowError("Une nouvelle version doit porter sur la même pièce du même dossier.", code="remplace")
    if Document.objects.filter(remplace=precedent).exists():
        raise WorkflowError(
            "Ce document a déjà été remplacé par une version plus récente : partez de la dernière version.",
            code="remplace",
        )


def document_deposer(
    *,
    fichier,
    acteur,
    proprietaire: models.Model,
    categorie: str,
    remplace: Document | None = None,
    verrouille: bool = False,
) -> Document:
    """Store ``fichier`` (an UploadedFile or any seekable django File) as a document of
    ``proprietaire`` under ``categorie``; with ``remplace``, as its next version (the old one
    stays, even when locked). ``acteur`` None = the portal itself (any category); ``verrouille``
    creates it already locked (a generated receipt). Checks the registry's upload right, the
    name, the size and the type on the content; refusal → WorkflowError, nothing stored. On
    commit: the antivirus scan when clamd is configured. Called inside a longer transaction of
    the caller, the bytes of a document whose row is rolled back later are erased by the enclosing
    ``fabrique.atelier`` (otherwise they are the caller's to erase: ``document.cle_stockage``)."""
    _verifier_depot(acteur, proprietaire, categorie)
    if remplace is not None:
        _verifier_version_precedente(Document.objects.filter(pk=remplace.pk).first(), proprietaire, categorie)
    contenu = _stocker(fichier)
    try:
        with transaction.atomic():
            _verifier_depot(acteur, proprietaire, categorie)  # again: the right may have changed meanwhile
            version = 1
            if remplace is not None:
                precedent = Document.objects.select_for_update().filter(pk=remplace.pk).first()
                _verifier_version_precedente(precedent, proprietaire, categorie)
                version = precedent.version + 1
            document = Document.objects.create(
                content_type=ContentType.objects.get_for_model(proprietaire, for_concrete_model=False),
                object_id=str(proprietaire.pk),
                categorie=categorie,
                nom_original=contenu.nom,
                cle_stockage=contenu.cle,
                type_mime=contenu.type.mime,
                taille=contenu.taille,
                sha256=contenu.sha256,
                etat_analyse=_etat_initial(),
                depose_par=acteur if acteur is not None and acteur.pk else None,
                version=version,
                remplace=remplace,
                verrouille=verrouille,
                verrouille_le=timezone.now() if verrouille else None,
            )
            if remplace is None:
                _journaliser(document, "documents.document.depose", acteur=acteur, proprietaire=proprietaire)
            else:
                _journaliser(document, "documents.document.nouvelle_version_deposee", acteur=acteur,
                             proprietaire=proprietaire, remplace=str(remplace.pk))
            _planifier_analyse(document)
    except BaseException:
        effacer_contenu(contenu.cle)
        raise
    stockes = STOCKES_DANS_L_ATELIER.get()
    if stockes is not None:
        stockes.append(contenu.cle)
    return document


def document_remplacer(*, document: Document, fichier, acteur) -> Document:
    """Replace, in place, the file of a document that is not locked (a draft's wrong file): same
    document, new bytes, new scan; the old bytes are erased on commit. Locked → WorkflowError."""
    if document.verrouille:
        raise WorkflowError(MESSAGE_VERROUILLE_REMPLACEMENT, code="verrouille")
    if document.est_supprime:
        raise WorkflowError("Ce document a été supprimé.", code="supprime")
    _verifier_droit_document(acteur, document)
    contenu = _stocker(fichier)
    try:
        with transaction.atomic():
            doc = Document.tous.select_for_update().get(pk=document.pk)
            if doc.verrouille:
                raise WorkflowError(MESSAGE_VERROUILLE_REMPLACEMENT, code="verrouille")
            if doc.est_supprime:
                raise WorkflowError("Ce document a été supprimé.", code="supprime")
            ancienne_cle, ancien_sha256 = doc.cle_stockage, doc.sha256
            doc.nom_original = contenu.nom
            doc.cle_stockage = contenu.cle
            doc.type_mime = contenu.type.mime
            doc.taille = contenu.taille
            doc.sha256 = contenu.sha256
            doc.etat_analyse = _etat_initial()
            doc.signature_virale = ""
            doc.analyse_le = None
            doc.depose_par = acteur if acteur is not None and acteur.pk else None
            doc.depose_le = timezone.now()
            doc.save(update_fields=[
                "nom_original", "cle_stockage", "type_mime", "taille", "sha256", "etat_analyse",
                "signature_virale", "analyse_le", "depose_par", "depose_le",
            ])
            _journaliser(doc, "documents.document.remplace", acteur=acteur, ancien_sha256=ancien_sha256)
            _effacer_apres_commit(ancienne_cle)
            _planifier_analyse(doc)
    except BaseException:
        effacer_contenu(contenu.cle)
        raise
    return doc


def document_supprimer(*, document: Document, acteur) -> Document:
    """Delete a document that is not locked and is the latest version: the row stays for the
    audit trail (``supprime_le``), the bytes are erased on commit. Otherwise WorkflowError."""
    with transaction.atomic():
        doc = Document.tous.select_for_update().get(pk=document.pk)
        if doc.est_supprime:
            raise WorkflowError("Ce document a déjà été supprimé.", code="supprime")
        if doc.verrouille:
            raise WorkflowError(MESSAGE_VERROUILLE_SUPPRESSION, code="verrouille")
        if Document.objects.filter(remplace=doc).exists():
            raise WorkflowError("Seule la dernière version d'un document peut être supprimée.", code="version")
        _verifier_droit_document(acteur, doc)
        doc.supprime_le = timezone.now()
        doc.supprime_par = acteur if acteur is not None and acteur.pk else None
        doc.save(update_fields=["supprime_le", "supprime_par"])
        _journaliser(doc, "documents.document.supprime", acteur=acteur)
        _effacer_apres_commit(doc.cle_stockage)
    return doc


def document_verrouiller(*, documents: Iterable[Document], acteur) -> int:
    """Lock ``documents`` (the owning step was submitted): from now on they can be neither deleted
    nor replaced in place. Idempotent; one log row per owner. Returns how many were locked."""
    ids = [d.pk for d in documents]
    if not ids:
        return 0
    with transaction.atomic():
        a_verrouiller = list(
            Document.objects.select_for_update().filter(pk__in=ids, verrouille=False).order_by("pk")
        )
        if not a_verrouiller:
            return 0
        maintenant = timezone.now()
        Document.objects.filter(pk__in=[d.pk for d in a_verrouiller]).update(verrouille=True, verrouille_le=maintenant)
        par_proprietaire: dict[tuple[int, str], list[Document]] = {}
        for d in a_verrouiller:
            d.verrouille, d.verrouille_le = True, maintenant
            par_proprietaire.setdefault((d.content_type_id, d.object_id), []).append(d)
        for docs in par_proprietaire.values():
            proprietaire = docs[0].proprietaire
            journaliser(
                proprietaire if proprietaire is not None else docs[0],
                "documents.document.verrouille",
                acteur=acteur,
                donnees={"documents": [
                    {"document": str(d.pk), "categorie": d.categorie, "nom": d.nom_original, "sha256": d.sha256}
                    for d in docs
                ]},
            )
    return len(a_verrouiller)


#: what a scan judges: pending, and "non analysé" (uploaded before clamd was configured: scanned once
#: clamd is there, since until then only its uploader may download it)
ETATS_A_ANALYSER = (Document.EtatAnalyse.EN_ATTENTE, Document.EtatAnalyse.NON_ANALYSE)


def document_analyser(*, document_id) -> Document | None:
    """Scan a pending (or never scanned) document with clamd and record the verdict; infected →
    blocked and the uploader e-mailed on commit. Idempotent: a document already judged is left as it
    is. Raises ``antivirus.ClamdErreur`` when clamd gives no verdict (the task retries)."""
    document = Document.tous.filter(pk=document_id).first()
    if document is None or document.etat_analyse not in ETATS_A_ANALYSER or document.est_supprime:
        return document
    if not antivirus.clamd_configure():
        if document.etat_analyse == Document.EtatAnalyse.EN_ATTENTE:
            logger.warning("documents: %s en attente d'analyse mais aucun clamd n'est configuré", document_id)
        return document
    cle = document.cle_stockage
    with default_storage.open(cle, "rb") as flux:
        resultat = antivirus.analyser_flux(flux)
    with transaction.atomic():
        doc = Document.tous.select_for_update().get(pk=document.pk)
        if doc.etat_analyse not in ETATS_A_ANALYSER or doc.cle_stockage != cle:
            return doc  # judged meanwhile, or its file replaced (a new scan is queued)
        doc.etat_analyse = Document.EtatAnalyse.INFECTE if resultat.infecte else Document.EtatAnalyse.SAIN
        doc.signature_virale = resultat.signature
        doc.analyse_le = timezone.now()
        doc.save(update_fields=["etat_analyse", "signature_virale", "analyse_le"])
        _journaliser(doc, f"documents.document.{doc.etat_analyse}", acteur=None, signature=resultat.signature)
        if resultat.infecte:
            logger.warning("documents: %s infecté (%s), bloqué", doc.pk, resultat.signature)
            if doc.depose_par_id:
                envoyer_email(
                    [doc.depose_par.email], "Un fichier que vous avez déposé a été bloqué", "document_infecte",
                    {"document": doc, "utilisateur": doc.depose_par},
                )
    return doc


def telechargement_enregistrer(
    *, document: Document, utilisateur, adresse_ip: str | None, agent_utilisateur: str
) -> Telechargement:
    """Append one row to the download log (before the bytes are sent)."""
    return Telechargement.objects.create(
        document=document,
        utilisateur=utilisateur,
        adresse_ip=adresse_ip or None,
        agent_utilisateur=(agent_utilisateur or "")[:400],
        sha256=document.sha256,
    )


def orphelins_nettoyer(*, grace: timedelta | None = None, limite: int = 10_000) -> list[str]:
    """Remove the stored files that no document row points to (issue 24): bytes written by a request or
    a worker killed between the write and its transaction's commit, or whose clean-up itself failed.
    Only files older than the grace period (``CARE_DOCUMENTS_ORPHELINS_GRACE_HEURES``, default 24 h) are
    touched, so an upload still in progress is never taken; never a file a row points to, whatever its
    age. Returns the keys removed (at most ``limite`` per run)."""
    grace = grace if grace is not None else timedelta(hours=settings.CARE_DOCUMENTS_ORPHELINS_GRACE_HEURES)
    limite_age = timezone.now() - grace
    retires: list[str] = []
    for dossier in _dossiers_de_stockage("documents"):
        try:
            noms = default_storage.listdir(dossier)[1]
        except (FileNotFoundError, NotADirectoryError):
            continue
        for debut in range(0, len(noms), 500):
            cles = [f"{dossier}/{nom}" for nom in noms[debut:debut + 500]]
            connues = set(Document.objects.filter(cle_stockage__in=cles).values_list("cle_stockage", flat=True))
            for cle in cles:
                if cle in connues or len(retires) >= limite:
                    continue
                try:
                    if default_storage.get_modified_time(cle) > limite_age:
                        continue
                except (FileNotFoundError, OSError):
                    continue
                # read again just before deleting: a row committed meanwhile keeps its file
                if Document.objects.filter(cle_stockage=cle).exists():
                    continue
                effacer_contenu(cle)
                retires.append(cle)
    if retires:
        logger.warning("documents: %s fichier(s) orphelin(s) retiré(s) du stockage", len(retires))
    return retires


def _dossiers_de_stockage(racine: str) -> list[str]:
    """``racine`` and its sub-folders, depth first (documents/<année>/<mois>)."""
    try:
        sous_dossiers = default_storage.listdir(racine)[0]
    except (FileNotFoundError, NotADirectoryError):
        return []
    resultat = [racine]
    for nom in sorted(sous_dossiers):
        resultat.extend(_dossiers_de_stockage(f"{racine}/{nom}"))
    return resultat
