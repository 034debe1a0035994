"""The récépissé de dépôt: a PDF (WeasyPrint) generated after each submission of a candidature and
kept as a document of the candidature (category ``recepisse``).

It states the submission date (Europe/Paris), the structure with its FINESS number, its type, the
instructing ARS, the perimeter (with the adjustments and their reasons), the contacts, and the
name, size and SHA-256 of every document of the dossier as it stood at that submission: the
establishment can later prove what it filed.

Idempotent, keyed on the submission date (``depot_iso``, the candidature's ``deposee_le``): a
second run for the same submission finds its ``Recepisse`` and does nothing. Two runs at once are
serialised by the lock on the candidature row, and the unique constraint (candidature, depot) is
the last guard; the loser's stored bytes are erased.

The receipt is made by the portal itself (``acteur`` None), already locked, through the documents'
``fabrique`` (generation once per key, clean-up of the bytes on failure). Users cannot forge one: "recepisse" is not among the categories the
documents registry lets users upload to the candidature; only the portal writes it.
"""

from __future__ import annotations

import datetime
import logging
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from care_portal.core.pdf import document_html
from care_portal.workflow.services import journaliser

from .models import Candidature, PerimetreLigne, Recepisse
from .regles import PREUVES_PREREQUIS
from .selectors import DOCUMENTS_CANDIDATURE

logger = logging.getLogger(__name__)

PARIS = ZoneInfo("Europe/Paris")
CATEGORIE = "recepisse"
GABARIT = "candidatures/recepisse.html"
LIBELLES_PIECES = {**DOCUMENTS_CANDIDATURE, **PREUVES_PREREQUIS}


def date_de_depot(depot_iso: str) -> datetime.datetime:
    """The submission date sent to the task (ISO 8601; an aware datetime, UTC when naive)."""
    depot = datetime.datetime.fromisoformat(depot_iso)
    if timezone.is_naive(depot):
        depot = timezone.make_aware(depot, datetime.UTC)
    return depot


def documents_au_depot(c: Candidature, depot: datetime.datetime) -> list:
    """The documents of the dossier as they stood at ``depot``: the latest version, at that moment, of
    each document of the candidature and of its perimeter lines (receipts excluded)."""
    from django.contrib.contenttypes.models import ContentType

    from care_portal.documents.models import Document

    lignes = [str(pk) for pk in c.perimetre.values_list("pk", flat=True)]
    ct_c = ContentType.objects.get_for_model(Candidature)
    ct_l = ContentType.objects.get_for_model(PerimetreLigne)
    docs = list(
        Document.objects.filter(Q(content_type=ct_c, object_id=str(c.pk)) | Q(content_type=ct_l, object_id__in=lignes))
        .filter(depose_le__lte=depot).exclude(categorie=CATEGORIE).select_related("content_type")
        .order_by("depose_le", "pk")
    )
    remplaces = {d.remplace_id for d in docs if d.remplace_id}
    return [d for d in docs if d.pk not in remplaces]


def _iban_masque(iban: str) -> str:
    iban = "".join((iban or "").split())
    if len(iban) < 8:
        return iban
    return f"{iban[:4]} {'•' * 4} … {iban[-4:]}"


def contexte_recepisse(c: Candidature, depot: datetime.datetime) -> dict:
    lignes = list(c.perimetre.select_related("entite_juridique", "etablissement").all())
    par_ligne = {str(ligne.pk): ligne for ligne in lignes}
    groupes: dict[str, list[dict]] = {}
    for d in documents_au_depot(c, depot):
        ligne = par_ligne.get(d.object_id) if d.content_type.model == "perimetreligne" else None
        groupes.setdefault(d.object_id if ligne else "", []).append({
            "piece": LIBELLES_PIECES.get(d.categorie, d.categorie.replace("_", " ").capitalize()),
            "nom": d.nom_original, "taille": d.taille, "sha256": d.sha256, "version": d.version,
        })
    # the candidature's own pieces first, then each perimeter line's proofs, in the perimeter's order
    documents = []
    if "" in groupes:
        documents.append({"concerne": f"{c.structure_libelle} — pièces de la candidature", "documents": groupes[""]})
    documents += [
        {"concerne": f"{ligne.libelle} ({ligne.finess}) — preuves des prérequis", "documents": groupes[str(ligne.pk)]}
        for ligne in lignes if str(ligne.pk) in groupes
    ]
    local = timezone.localtime(depot, PARIS)
    return {
        "c": c,
        "depot": local,
        "numero": f"{c.pk}-{local:%Y%m%d%H%M%S}",
        "apres_complement": c.premiere_depose_le is not None and depot > c.premiere_depose_le,
        "finess_structure": c.entite_juridique.finess,
        "lignes": [
            {"ligne": ligne, "ajustee": bool(ligne.motif_ajustement) or not ligne.inclus
             or ligne.activite_combinee != ligne.activite_referentiel}
            for ligne in lignes
        ],
        "contacts": [
            ("Référent CaRE", c.referent_nom, c.referent_email, c.referent_telephone),
            ("DSI", c.dsi_nom, c.dsi_email, c.dsi_telephone),
            ("RSSI", c.rssi_nom, c.rssi_email, c.rssi_telephone),
        ],
        "iban_masque": _iban_masque(c.iban),
        "documents": documents,
        "genere_le": timezone.localtime(timezone.now(), PARIS),
    }


def html_du_recepisse(c: Candidature, depot: datetime.datetime) -> str:
    with translation.override("fr"):
        return render_to_string(GABARIT, contexte_recepisse(c, depot))


def rendre(c: Candidature, depot: datetime.datetime):
    """The receipt as a laid-out WeasyPrint document (``.write_pdf()`` gives the bytes)."""
    return document_html(html_du_recepisse(c, depot)).render()


def nom_du_fichier(c: Candidature, depot: datetime.datetime) -> str:
    return f"recepisse-depot-{c.entite_juridique.finess}-{timezone.localtime(depot, PARIS):%Y%m%d-%H%M%S}.pdf"


def generer_recepisse(*, candidature_id: int, depot_iso: str) -> str | None:
    """Generate and keep the receipt of the submission made at ``depot_iso``; return the document's id
    (the existing one when it was already generated), None for an unknown candidature."""
    from care_portal.documents import fabrique

    depot = date_de_depot(depot_iso)
    existant = _recepisse_existant(candidature_id, depot)
    if existant is not None:
        return str(existant)
    c = (Candidature.objects.select_related("appel", "ght", "entite_juridique", "region_instructrice")
         .filter(pk=candidature_id).first())
    if c is None:
        logger.warning("candidatures: récépissé demandé pour la candidature %s, introuvable", candidature_id)
        return None

    def lier(verrou: Candidature, document) -> None:
        Recepisse.objects.create(candidature=verrou, depot=depot, document=document)
        journaliser(verrou, "candidatures.candidature.recepisse_genere", acteur=None, donnees={
            "document": str(document.pk), "categorie": CATEGORIE, "nom": document.nom_original,
            "sha256": document.sha256, "depot": depot.isoformat(),
        })

    document = fabrique.fabriquer(
        c, CATEGORIE, lambda: rendre(c, depot).write_pdf(), nom=nom_du_fichier(c, depot),
        existant=lambda cand: _recepisse_existant(cand.pk, depot), lier=lier,
        gagnant=lambda cand: Recepisse.objects.get(candidature=cand, depot=depot).document_id,
    )
    return str(document.pk)


def _recepisse_existant(candidature_id: int, depot: datetime.datetime):
    """The document id of the receipt of this submission, if it was generated."""
    return Recepisse.objects.filter(candidature_id=candidature_id, depot=depot).values_list(
        "document_id", flat=True).first()

