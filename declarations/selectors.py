"""Reads of the declarations, permission-filtered (the access pattern of candidatures/selectors.py):
a declaration is visible to whoever may open its candidature (ES of the structure, the instructing
ARS, the ANS)."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from candidatures.models import Candidature
from candidatures.selectors import candidatures_pour
from care_portal.comptes.selectors import habilitations, regions_pour
from care_portal.documents.models import Document
from care_portal.referentiel.models import AppelAFinancement
from conventions.models import Convention

from . import bilan
from .models import BaseEligible, Declaration, Instantane, LigneBilan, ParametresAppel

CATEGORIE_JUSTIFICATIF = "justificatif"
CATEGORIE_RECEPISSE = "recepisse"
TAILLE_PAGE = 25


def declarations_pour(user) -> QuerySet[Declaration]:
    return Declaration.objects.filter(candidature__in=candidatures_pour(user)).select_related(
        "candidature__appel", "candidature__ght", "candidature__entite_juridique", "candidature__region_instructrice",
        "candidature__convention",
    )


def candidatures_declarables_pour(user) -> QuerySet[Candidature]:
    """The candidatures of the user's structures (ES side) whose convention is signed: each may have
    its declaration."""
    h = habilitations(user)
    qs = candidatures_pour(user).filter(convention__etat=Convention.Etat.SIGNEE)
    if not h.est_es:
        return qs.none()
    return qs.select_related("convention").order_by("-appel__candidature_debut", "pk")


def base_eligible(appel: AppelAFinancement) -> str:
    """The call's eligible basis (HT unless its ``ParametresAppel`` says TTC)."""
    return (ParametresAppel.objects.filter(appel=appel).values_list("base_eligible", flat=True).first()
            or BaseEligible.HT)


def objectifs_applicables(c: Candidature) -> dict[str, str]:
    """code → title of the objectives that apply to the candidature's type, in display order."""
    from objectifs.selectors import objectifs

    return {o.code: o.titre for o in objectifs() if o.s_applique_a(c.type_candidature)}


def contexte_bilan(d: Declaration, *, le: datetime.date | None = None) -> bilan.Contexte:
    """The period (the call's ``couts_eligibles_depuis`` → ``le``, default today in Europe/Paris) and
    the objectives a line may name."""
    c = d.candidature
    return bilan.Contexte(debut=c.appel.couts_eligibles_depuis, fin=le or timezone.localdate(),
                          objectifs=objectifs_applicables(c))


def lignes_de(d: Declaration) -> list[LigneBilan]:
    return list(d.lignes.select_related("objectif", "justificatif").order_by(
        "objectif__ordre", "objectif__code", "categorie", "date", "pk"))


def totaux_de(d: Declaration, lignes: list[LigneBilan] | None = None) -> bilan.Totaux:
    return bilan.totaux(lignes if lignes is not None else lignes_de(d), base_eligible(d.candidature.appel))


def dernier_instantane(d: Declaration) -> Instantane | None:
    return d.instantanes.order_by("-numero").first()


def documents_des_preuves(c: Candidature) -> list[Document]:
    """The current documents of the objectives' evidence of ``c`` (reports, attestations, descriptions)."""
    from objectifs.models import AuditADS
    from objectifs.services import CATEGORIES

    q = Q(pk__in=[])
    for modele in CATEGORIES:
        chemin = "active_directory__candidature" if modele is AuditADS else "candidature"
        ids = [str(pk) for pk in modele.objects.filter(**{chemin: c}).values_list("pk", flat=True)]
        if ids:
            q |= Q(content_type=ContentType.objects.get_for_model(modele), object_id__in=ids)
    return list(Document.objects.filter(q).courants().select_related("content_type").order_by("depose_le", "pk"))


def recepisses_de(d: Declaration) -> list[Document]:
    return list(Document.objects.du_proprietaire(d, CATEGORIE_RECEPISSE).courants().order_by("depose_le"))


# --- the queue ---------------------------------------------------------------------------------------

def regions_de_la_file(user):
    h = habilitations(user)
    qs = regions_pour(user)
    if not h.est_ans:
        qs = qs.filter(pk__in=h.region_ids)
    return qs.order_by("nom")


def file(user, filtres: dict[str, Any] | None = None) -> QuerySet[Declaration]:
    """The submitted declarations of the user's regions (ANS: every region), oldest submission first."""
    filtres = filtres or {}
    qs = declarations_pour(user).filter(candidature__region_instructrice__in=regions_de_la_file(user)).exclude(
        etat=Declaration.Etat.BROUILLON)
    if filtres.get("etat"):
        qs = qs.filter(etat=filtres["etat"])
    if filtres.get("region"):
        qs = qs.filter(candidature__region_instructrice=filtres["region"])
    recherche = (filtres.get("q") or "").strip()
    if recherche:
        qs = qs.filter(Q(candidature__entite_juridique__raison_sociale__icontains=recherche)
                       | Q(candidature__entite_juridique__finess="".join(recherche.split()))
                       | Q(candidature__ght__nom__icontains=recherche) | Q(candidature__ght__code__iexact=recherche))
    # No per-row aggregate here: the page shows the totals frozen at the last submission, read for the
    # page's rows only (totaux_figes) after the pagination.
    return qs.order_by(F("deposee_le").asc(nulls_last=True), "pk")


def verdicts_figes(declarations: list[Declaration]) -> dict[int, dict[str, dict]]:
    """declaration id → {objective code: verdict as frozen at its last submission} (one query)."""
    derniers: dict[int, Instantane] = {}
    for i in Instantane.objects.filter(declaration__in=declarations).only(
            "declaration_id", "numero", "verdicts", "totaux").order_by("declaration_id", "numero"):
        derniers[i.declaration_id] = i
    return {pk: {v["code"]: v for v in i.verdicts} for pk, i in derniers.items()}


def totaux_figes(declarations: list[Declaration]) -> dict[int, dict]:
    derniers: dict[int, dict] = {}
    for pk, totaux in Instantane.objects.filter(declaration__in=declarations).order_by(
            "declaration_id", "numero").values_list("declaration_id", "totaux"):
        derniers[pk] = totaux
    return derniers
