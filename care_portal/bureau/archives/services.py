"""Every write of the bulk actions (STYLE.md: services write, inside transactions, logged).

- ``execution_lancer``: run a bulk action over dossiers, each in its own transaction, and keep its report.
- ``archive_demander``: record a ZIP archive of dossiers' documents and hand its building to a worker.
- ``archive_construire``: build it (called by ``bureau.construire_archive``), through the documents service.
- ``archives_purger``: remove the ZIPs past their keeping time (``bureau.purger_archives``, and before each
  new archive is built).

Each run and each archive writes its rows to the workflow log (``bureau.action_groupee.*``,
``bureau.archive.*``); what an action does to a dossier is logged on the dossier by the stage's service.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
import time
import zipfile
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from care_portal.core import etapes, format_fr
from care_portal.workflow.services import WorkflowError, journaliser

from . import selectors
from .models import Archive, Execution, LigneExecution

logger = logging.getLogger(__name__)

MESSAGE_ERREUR = ("L'action a échoué sur ce dossier à cause d'une erreur technique : rien n'y a été modifié. "
                  "Vous pouvez la relancer ; si l'erreur se reproduit, signalez-la à l'assistance eCaRE.")
MESSAGE_DROIT = "Vous n'avez pas le droit de faire cette action sur ce dossier."
REFUS = (WorkflowError, ValidationError, PermissionDenied, Http404, ObjectDoesNotExist)


def heures_conservation() -> int:
    """How long a ready ZIP stays downloadable (then its file is removed)."""
    return int(getattr(settings, "CARE_BUREAU_ARCHIVE_HEURES", 24))


def motif_du_refus(exc: BaseException) -> str:
    """The French reason a refusal carries."""
    if isinstance(exc, WorkflowError):
        return exc.message
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages) or "Cette action n'est pas possible sur ce dossier."
    if isinstance(exc, PermissionDenied):
        texte = str(exc)
        return texte if texte and any(c.isspace() for c in texte) else MESSAGE_DROIT
    return "Ce dossier n'est plus accessible."


# --- running a bulk action ---------------------------------------------------------------------------


def execution_lancer(*, acteur, action: etapes.ActionGroupee, dossiers: list, ignores: list[str] = (),
                     parametres: dict | None = None, description: dict | None = None, jeton=None,
                     retour: str = "", apres: Callable[..., None] | None = None,
                     contexte: dict | None = None) -> Execution:
    """Run ``action.executer(dossier, acteur, **parametres)`` on each of ``dossiers`` (those the agent may
    see, in their order), each in its own transaction: a refusal (``WorkflowError``, ``ValidationError``,
    ``PermissionDenied``…) or an unexpected error rolls back that dossier only and is reported with its reason,
    in French. ``ignores``: the identifiers sent that the agent may not see (reported as such). ``apres``:
    called once at the end with the dossiers done and ``contexte`` (the ZIP archive of the documents). ``jeton``: the
    confirmation form's token: when a run already holds it, that run is returned and nothing runs again.
    ``description``: the parameters as the report shows them (label → text). Returns the run."""
    parametres = parametres or {}
    try:
        with transaction.atomic():
            existante = Execution.objects.filter(pk=jeton).first() if jeton else None
            if existante is not None:
                return existante
            execution = Execution.objects.create(
                **({"pk": jeton} if jeton else {}), acteur=acteur, action=action.code, libelle=action.libelle,
                parametres=description or {}, dossiers=[d.pk for d in dossiers], retour=retour[:500])
            LigneExecution.objects.bulk_create([
                LigneExecution(execution=execution, rang=rang, reference=str(ref)[:40],
                               libelle=f"Dossier n° {str(ref)[:20]}", resultat=LigneExecution.Resultat.IGNORE,
                               message="Introuvable ou hors de votre périmètre : ignoré.")
                for rang, ref in enumerate(ignores, start=1)])
            journaliser(execution, "bureau.action_groupee.lancee", acteur=acteur,
                        donnees={"action": action.code, "dossiers": [d.pk for d in dossiers],
                                 "ignores": len(ignores), "parametres": description or {}})
    except IntegrityError:
        # the same form posted twice at once: the other request holds the token and runs it
        return Execution.objects.get(pk=jeton)

    modele = etapes.modele_dossier()
    faits = []
    rang = len(ignores)
    for dossier in dossiers:
        rang += 1
        libelle = selectors.libelle_dossier(dossier)
        try:
            with transaction.atomic():
                frais = modele.objects.select_related(
                    "appel", "ght", "entite_juridique", "region_instructrice").get(pk=dossier.pk)
                phrase = action.executer(frais, acteur, **parametres)
                LigneExecution.objects.create(execution=execution, rang=rang, dossier=frais, libelle=libelle[:300],
                                              resultat=LigneExecution.Resultat.FAIT, message=phrase or "Fait.")
            faits.append(frais)
        except REFUS as exc:
            LigneExecution.objects.create(execution=execution, rang=rang, dossier_id=dossier.pk, libelle=libelle[:300],
                                          resultat=LigneExecution.Resultat.REFUSE, message=motif_du_refus(exc))
        except Exception:  # noqa: BLE001 — one dossier's failure never stops the others nor shows a 500
            logger.exception("bureau: l'action %s a échoué sur le dossier %s", action.code, dossier.pk)
            LigneExecution.objects.create(execution=execution, rang=rang, dossier_id=dossier.pk, libelle=libelle[:300],
                                          resultat=LigneExecution.Resultat.REFUSE, message=MESSAGE_ERREUR)

    if apres is not None and faits:
        try:
            with transaction.atomic():
                apres(execution=execution, dossiers=faits, acteur=acteur, **(contexte or {}))
        except Exception:  # noqa: BLE001 — the dossiers are done; the report still shows, without the sequel
            logger.exception("bureau: la suite de l'action %s a échoué (exécution %s)", action.code, execution.pk)
    with transaction.atomic():
        execution.etat, execution.termine_le = Execution.Etat.TERMINEE, timezone.now()
        execution.save(update_fields=["etat", "termine_le"])
        journaliser(execution, "bureau.action_groupee.terminee", acteur=acteur,
                    donnees={"action": action.code, "faits": len(faits),
                             "refuses": len(dossiers) - len(faits), "ignores": len(ignores)})
    return execution


# --- the ZIP archive of dossiers' documents -------------------------------------------------------------


class ArchiveImpossible(Exception):
    """The archive cannot be built (nothing to put in, too large): a French reason, no retry."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def archive_demander(*, acteur, dossiers: list[int], execution: Execution | None = None,
                     adresse_ip: str | None = None) -> Archive:
    """Record an archive of the documents of ``dossiers`` for ``acteur`` and hand its building to a worker
    (task ``bureau.construire_archive``, published when the transaction commits)."""
    from care_portal.core.travaux import confier

    from ..tasks import construire_archive_task

    with transaction.atomic():
        archive = Archive.objects.create(demandeur=acteur, execution=execution, adresse_ip=adresse_ip or None,
                                         dossiers=[int(pk) for pk in dossiers])
        journaliser(archive, "bureau.archive.demandee", acteur=acteur, donnees={"dossiers": archive.dossiers})
        confier(construire_archive_task, str(archive.pk), objet=archive)
    return archive


def _nom_zip(archive: Archive) -> str:
    return f"eCaRE-dossiers-{timezone.localtime(archive.cree_le):%Y%m%d-%H%M}.zip"


def _chemins(pieces: list, dossiers: dict) -> list[tuple[str, object]]:
    """(path in the ZIP, piece): a folder per dossier, a sub-folder per kind of owner; the file names keep
    the category and the version, and never collide."""
    vus: set[str] = set()
    resultat = []
    for p in pieces:
        d = p.document
        dossier = dossiers.get(p.dossier_id)
        racine = selectors.nom_sur(f"{p.dossier_id} - {selectors.libelle_dossier(dossier)}" if dossier
                                   else f"Dossier {p.dossier_id}", 120)
        nom = selectors.nom_sur(f"{d.categorie} - {d.nom_original}", 150)
        if d.version > 1:
            base, point, ext = nom.rpartition(".")
            nom = f"{base} (v{d.version}).{ext}" if point else f"{nom} (v{d.version})"
        chemin = f"{racine}/{selectors.nom_sur(p.dossier)}/{nom}"
        base, point, ext = nom.rpartition(".")
        unique, n = chemin, 2
        while unique.lower() in vus:
            suffixe = f"{base} ({n}).{ext}" if point else f"{nom} ({n})"
            unique, n = chemin[:-len(nom)] + suffixe, n + 1
        vus.add(unique.lower())
        resultat.append((unique, p))
    return resultat


def _lisez_moi(archive: Archive, inclus: list[tuple[str, object]], exclus: list[tuple[str, str]]) -> str:
    demandeur = archive.demandeur
    lignes = [
        "Archive eCaRE des documents de dossiers",
        f"Demandée par {demandeur.get_full_name() or demandeur.email} le "
        f"{format_fr.date_longue(timezone.localdate(archive.cree_le))} à {timezone.localtime(archive.cree_le):%H:%M}"
        " (heure de Paris).",
        f"{format_fr.pluriel(len(archive.dossiers), 'dossier')}, "
        f"{format_fr.pluriel(len(inclus), 'document')} (dernière version de chaque document).",
        "Seuls les documents que vous pouvez consulter sur le portail y figurent.",
        "",
        "Documents (chemin — empreinte SHA-256) :",
        *[f"  {chemin} — {p.document.sha256}" for chemin, p in inclus],
    ]
    if exclus:
        lignes += ["", "Documents non inclus :", *[f"  {nom} : {motif}" for nom, motif in exclus]]
    return "\r\n".join(lignes) + "\r\n"


def archive_construire(*, archive_id) -> str:
    """Build the ZIP of an archive: the current documents of its dossiers that its requester may read now
    (selectors.pieces_lisibles), a folder per dossier, each file checked against its SHA-256 as it is copied;
    then store it through the documents service (owner: the archive, written by the portal) and record in
    the download log which documents the requester received. Progress is written on the row as it goes.
    Idempotent: a ready, failed or expired archive is left as it is; one left « en cours » by a killed worker
    is built again from the start. Returns the archive's state."""
    archives_purger()
    archive = Archive.objects.select_related("demandeur").filter(pk=archive_id).first()
    if archive is None or archive.termine:
        return archive.etat if archive is not None else "absente"
    Archive.objects.filter(pk=archive.pk).update(etat=Archive.Etat.EN_COURS, commence_le=timezone.now(),
                                                 traites=0, total=0, exclus=0)
    try:
        with tempfile.TemporaryFile() as tmp:
            inclus = _ecrire_zip(archive, tmp)
            return _conserver(archive, tmp, inclus)
    except ArchiveImpossible as exc:
        return _echouer(archive, exc.message)
    except Exception:  # noqa: BLE001 — a technical failure: the requester reads a French reason on the page
        logger.exception("bureau: l'archive %s n'a pas pu être préparée", archive.pk)
        return _echouer(archive, "La préparation de l'archive a échoué à cause d'une erreur technique. "
                                 "Relancez l'action depuis la liste des dossiers.")


def _ecrire_zip(archive: Archive, tmp) -> list[tuple[str, object]]:
    from care_portal.documents.upload import taille_max, taille_max_mo

    utilisateur = archive.demandeur
    gardes, exclus = selectors.pieces_lisibles(utilisateur, archive.dossiers)
    dossiers = {d.pk: d for d in selectors.dossiers_visibles(utilisateur).filter(pk__in=archive.dossiers)}
    gardes = [p for p in gardes if p.dossier_id in dossiers]  # still an agent of that dossier's region
    if not gardes:
        raise ArchiveImpossible("Aucun document de ces dossiers ne peut être mis dans l'archive : aucun n'a été "
                                "déposé, ou aucun ne vous est accessible aujourd'hui.")
    if sum(p.document.taille for p in gardes) > taille_max():
        raise ArchiveImpossible(f"Les documents de ces dossiers dépassent {taille_max_mo()} Mo, la taille maximale "
                                "d'une archive : choisissez moins de dossiers.")
    chemins = _chemins(gardes, dossiers)
    Archive.objects.filter(pk=archive.pk).update(total=len(chemins), exclus=len(exclus))
    non_inclus = [(f"{p.dossier_id} — {p.document.nom_original}", p.motif) for p in exclus]
    inclus = []
    derniere_maj = time.monotonic()
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
        for i, (chemin, piece) in enumerate(chemins, start=1):
            motif = _copier(zf, chemin, piece.document)
            if motif:
                non_inclus.append((chemin, motif))
            else:
                inclus.append((chemin, piece))
            if time.monotonic() - derniere_maj >= 0.5 or i == len(chemins):
                Archive.objects.filter(pk=archive.pk).update(traites=i)
                derniere_maj = time.monotonic()
        if not inclus:
            raise ArchiveImpossible("Aucun document de ces dossiers n'a pu être lu dans le stockage.")
        zf.writestr("LISEZMOI.txt", _lisez_moi(archive, inclus, non_inclus))
    Archive.objects.filter(pk=archive.pk).update(exclus=len(non_inclus))
    tmp.seek(0)
    return inclus


TAILLE_BLOC = 256 * 1024


def _copier(zf: zipfile.ZipFile, chemin: str, document) -> str:
    """Copy one document into the ZIP, in blocks, once its bytes are checked against its SHA-256: '' when
    done, else why it was left out."""
    try:
        empreinte = hashlib.sha256()
        with default_storage.open(document.cle_stockage, "rb") as source:
            while bloc := source.read(TAILLE_BLOC):
                empreinte.update(bloc)
        if empreinte.hexdigest() != document.sha256:
            logger.error("bureau: empreinte différente pour le document %s", document.pk)
            return "le fichier stocké ne correspond plus à son empreinte SHA-256"
        info = zipfile.ZipInfo(chemin, date_time=timezone.localtime(document.depose_le).timetuple()[:6])
        info.compress_type = zipfile.ZIP_DEFLATED
        with default_storage.open(document.cle_stockage, "rb") as source, \
                zf.open(info, "w", force_zip64=document.taille > 2**31) as cible:
            while bloc := source.read(TAILLE_BLOC):
                cible.write(bloc)
    except (FileNotFoundError, OSError):
        logger.error("bureau: fichier absent du stockage pour le document %s", document.pk)
        return "fichier introuvable dans le stockage"
    return ""


def _conserver(archive: Archive, tmp, inclus: list) -> str:
    from care_portal.documents.services import document_deposer, telechargement_enregistrer

    with transaction.atomic():
        a = Archive.objects.select_for_update(of=("self",)).select_related("demandeur").get(pk=archive.pk)
        if a.etat != Archive.Etat.EN_COURS or a.document_id:
            return a.etat  # another worker finished it meanwhile
        document = document_deposer(fichier=File(tmp, name=_nom_zip(a)), acteur=None, proprietaire=a,
                                    categorie=Archive.CATEGORIE)
        maintenant = timezone.now()
        a.document, a.etat, a.taille = document, Archive.Etat.PRETE, document.taille
        a.termine_le, a.expire_le = maintenant, maintenant + timedelta(hours=heures_conservation())
        a.traites = a.total
        a.save(update_fields=["document", "etat", "taille", "termine_le", "expire_le", "traites"])
        for _chemin, piece in inclus:
            # the requester receives these bytes: the download log of each document says so
            telechargement_enregistrer(document=piece.document, utilisateur=a.demandeur, adresse_ip=a.adresse_ip,
                                       agent_utilisateur=f"Archive ZIP eCaRE {a.pk}")
        journaliser(a, "bureau.archive.prete", acteur=None,
                    donnees={"documents": len(inclus), "exclus": a.exclus, "taille": a.taille,
                             "sha256": document.sha256, "dossiers": a.dossiers})
    return Archive.Etat.PRETE


def _echouer(archive: Archive, message: str) -> str:
    with transaction.atomic():
        a = Archive.objects.select_for_update().get(pk=archive.pk)
        if a.termine:
            return a.etat
        a.etat, a.erreur, a.termine_le = Archive.Etat.ECHEC, message, timezone.now()
        a.save(update_fields=["etat", "erreur", "termine_le"])
        journaliser(a, "bureau.archive.echouee", acteur=None, motif=message)
    return Archive.Etat.ECHEC


def archives_purger(*, maintenant=None) -> int:
    """Remove the ZIP of every ready archive past its keeping time: its document is deleted through the
    documents service (its row stays for the audit trail, its bytes are erased on commit) and the archive
    marked expired. Idempotent. Returns how many were removed."""
    from care_portal.documents.services import document_supprimer

    maintenant = maintenant or timezone.now()
    nombre = 0
    for pk in Archive.objects.filter(etat=Archive.Etat.PRETE, expire_le__lte=maintenant).values_list("pk", flat=True):
        with transaction.atomic():
            a = Archive.objects.select_for_update(of=("self",)).select_related("document").get(pk=pk)
            if a.etat != Archive.Etat.PRETE:
                continue
            if a.document is not None and not a.document.est_supprime:
                document_supprimer(document=a.document, acteur=None)
            a.etat = Archive.Etat.EXPIREE
            a.save(update_fields=["etat"])
            journaliser(a, "bureau.archive.expiree", acteur=None)
            nombre += 1
    return nombre
