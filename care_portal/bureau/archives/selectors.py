"""Reads for the bulk actions, permission-filtered (README: the access pattern).

- ``dossiers_visibles(user)``: the dossiers an agent may act on: the ANS all of them, an ARS its regions'.
- ``execution_pour`` / ``archive_pour``: a report or an archive of the user's own, else 404.
- ``pieces_lisibles(user, ids)``: the documents of those dossiers the user may read now, and those left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from care_portal.comptes.selectors import habilitations, obtenir_ou_404
from care_portal.core import etapes
from care_portal.documents.acces import acces_pour
from care_portal.documents.models import Document
from care_portal.documents.selectors import blocage_telechargement

from . import registre
from .models import Archive, Execution, LigneExecution

# --- dossiers --------------------------------------------------------------------------------------


def dossiers_visibles(user) -> QuerySet:
    """The dossiers an agent may act on: every one for the ANS, its regions' for an ARS, none otherwise (the
    desk's one selector, care_portal.bureau.selectors.dossiers_pour)."""
    from ..selectors import dossiers_pour

    return dossiers_pour(user)


def libelle_dossier(dossier) -> str:
    """« Centre hospitalier de Libourne — FINESS 330000017 » (a GHT: its code and name)."""
    if getattr(dossier, "ght_id", None):
        return f"GHT {dossier.structure_libelle}"
    ej = getattr(dossier, "entite_juridique", None)
    finess = f" — FINESS {ej.finess}" if ej is not None else ""
    return f"{dossier.structure_libelle}{finess}"


def situations(dossiers: list) -> dict[int, str]:
    """Where each dossier stands, « Convention : envoyée pour signature », in one query (etapes.classer)."""
    champs = etapes.champs()
    if not dossiers or not champs:
        return {}
    modele = etapes.modele_dossier()
    resultat = {}
    for valeurs in modele.objects.filter(pk__in=[d.pk for d in dossiers]).values("pk", *champs):
        code, etat = etapes.classer(valeurs)
        try:
            libelle = etapes.etape(code).libelle
        except etapes.EtapeInconnue:
            libelle = code
        resultat[valeurs["pk"]] = f"{libelle} : {etat[:1].lower()}{etat[1:]}" if etat else libelle
    return resultat


# --- reports and archives ------------------------------------------------------------------------


def execution_pour(user, pk) -> Execution:
    """A run of the user's own, else 404 (another agent's report is not revealed)."""
    return obtenir_ou_404(Execution.objects.select_related("acteur"), pk=pk, acteur=user)


@dataclass
class Rapport:
    execution: Execution
    faits: list[LigneExecution] = field(default_factory=list)
    refuses: list[LigneExecution] = field(default_factory=list)
    ignores: list[LigneExecution] = field(default_factory=list)
    non_traites: int = 0  # dossiers a run cut short never reached

    @property
    def total(self) -> int:
        return len(self.execution.dossiers) + len(self.ignores)


def rapport(execution: Execution) -> Rapport:
    r = Rapport(execution=execution)
    par_resultat = {LigneExecution.Resultat.FAIT: r.faits, LigneExecution.Resultat.REFUSE: r.refuses,
                    LigneExecution.Resultat.IGNORE: r.ignores}
    for ligne in execution.lignes.order_by("rang"):
        par_resultat[ligne.resultat].append(ligne)
    r.non_traites = max(0, len(execution.dossiers) - len(r.faits) - len(r.refuses))
    return r


def executions_de(user) -> QuerySet[Execution]:
    """The user's runs, latest first, with their counts (one query)."""
    R = LigneExecution.Resultat
    return (Execution.objects.filter(acteur=user).select_related("archive")
            .annotate(nb_faits=Count("lignes", filter=Q(lignes__resultat=R.FAIT)),
                      nb_refuses=Count("lignes", filter=Q(lignes__resultat=R.REFUSE)),
                      nb_ignores=Count("lignes", filter=Q(lignes__resultat=R.IGNORE)))
            .order_by("-cree_le"))


def archive_pour(user, pk) -> Archive:
    """An archive the user asked for, else 404."""
    return obtenir_ou_404(Archive.objects.select_related("document", "execution"), pk=pk, demandeur=user)


def archives_telechargeables(user) -> QuerySet[Archive]:
    """The owners whose ZIP ``user`` may download (documents registry): their own ready archives, not expired,
    while they are still an agent."""
    if not getattr(user, "is_authenticated", False) or not habilitations(user).est_agent:
        return Archive.objects.none()
    return Archive.objects.filter(demandeur=user, etat=Archive.Etat.PRETE, expire_le__gt=timezone.now())


# --- the documents of dossiers ---------------------------------------------------------------------


@dataclass(frozen=True)
class Piece:
    dossier_id: int
    dossier: str  # the folder (registre.Pieces.dossier)
    document: Document
    motif: str = ""  # why it is left out ('' = it goes into the archive)


def pieces_lisibles(user, dossier_ids: list[int]) -> tuple[list[Piece], list[Piece]]:
    """(kept, left out) documents of the dossiers ``dossier_ids``: the current version of each live document
    of every owner the stages declared (registre), among the owners ``user`` may see; left out, with the
    reason, those the documents app would not serve them now (infected, not yet scanned). Two queries per
    declared owner model, whatever the number of dossiers."""
    gardes: list[Piece] = []
    exclus: list[Piece] = []
    ids = [int(i) for i in dossier_ids]
    if not ids:
        return gardes, exclus
    for p in registre.pieces():
        acces = acces_pour(p.modele)
        if acces is None:
            continue
        chemin = p.chemin
        proprietaires = dict(
            acces.proprietaires_visibles(user).filter(**{f"{chemin}__in": ids}).order_by()
            .values_list("pk", chemin))
        if not proprietaires:
            continue
        ct = ContentType.objects.get_for_model(p.modele, for_concrete_model=False)
        documents = (Document.objects.filter(content_type=ct, object_id__in=[str(k) for k in proprietaires])
                     .courants().select_related("depose_par").order_by("depose_le", "pk"))
        par_texte = {str(k): v for k, v in proprietaires.items()}
        for d in documents:
            motif = blocage_telechargement(d, user) or ""
            piece = Piece(dossier_id=par_texte[d.object_id], dossier=p.dossier, document=d, motif=motif)
            (exclus if motif else gardes).append(piece)
    return gardes, exclus


_INTERDITS = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]+')


def nom_sur(texte: str, longueur: int = 80) -> str:
    """A file or folder name every system accepts: no separator, no control or reserved character, no
    leading dot, at most ``longueur`` characters."""
    nom = _INTERDITS.sub(" ", texte or "").strip().strip(".").strip()
    nom = re.sub(r"\s+", " ", nom)[:longueur].strip()
    return nom or "sans nom"
