"""Reads of the agents' desk, scoped to what the agent may see (README: the access pattern).

- ``dossiers_pour(user)``: the dossiers an agent sees (ANS: all; ARS: its regions'); an establishment
  user, or anyone else, sees none here — the desk is the agents' only.
- ``dossier_ou_404(user, pk)``: one of them, or 404 (never 403: another region's dossier is not revealed).
- ``panneau(user, dossier)``: what the dossier's panel shows (assignees, follow, notes, labels).
- ``affectes(ids, agence=…)``: the assignee of each dossier of a queue page, one query.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet

from care_portal.comptes.selectors import habilitations, obtenir_ou_404, regions_pour
from care_portal.core import etapes

from .agences import Agence, agence_de_ligne, agence_pour, agences_de, collegues, mentionnables
from .models import Affectation, Etiquette, EtiquetteDossier, FiltreEnregistre, Note, Suivi


def dossiers_pour(user) -> QuerySet:
    """The dossiers ``user`` sees as an agent: ANS every one, ARS those its regions instruct."""
    modele = etapes.modele_dossier()
    base = modele.objects.select_related("appel", "ght", "entite_juridique__departement", "region_instructrice")
    h = habilitations(user)
    if h.est_ans:
        return base
    if h.est_ars:
        return base.filter(region_instructrice__in=regions_pour(user))
    return base.none()


def dossier_ou_404(user, pk):
    return obtenir_ou_404(dossiers_pour(user), pk=pk)


def etiquettes_de(user) -> QuerySet[Etiquette]:
    """The labels of the agent's agencies."""
    agences = agences_de(user)
    if not agences:
        return Etiquette.objects.none()
    filtre = agences[0].filtre()
    for a in agences[1:]:
        filtre |= a.filtre()
    return Etiquette.objects.filter(filtre).select_related("region").order_by("libelle", "pk")


def etiquettes_pour_dossier(user, dossier) -> QuerySet[Etiquette]:
    """The labels the agent may put on ``dossier``: those of the agency they act for on it."""
    agence = agence_pour(user, dossier)
    if agence is None:
        return Etiquette.objects.none()
    return Etiquette.objects.filter(agence.filtre()).order_by("libelle", "pk")


def filtres_de(user) -> list[FiltreEnregistre]:
    return list(FiltreEnregistre.objects.filter(agent=user).order_by("nom", "pk"))


# --- the dossier's panel -------------------------------------------------------------------------------

@dataclass
class LigneAffectation:
    agence: Agence
    agent: object | None  # None: nobody of that agency on it


@dataclass
class Panneau:
    dossier: object
    agence: Agence  # the one the agent acts for
    affectation: object | None  # the agent's agency's assignee (a User) or None
    autres: list[LigneAffectation]  # the other agencies' assignees (read only)
    suivi: bool
    notes: list[Note]
    etiquettes: list[Etiquette]  # on the dossier, of the agent's agency
    etiquettes_disponibles: list[Etiquette]  # of the agent's agency, not on it yet
    collegues: list = field(default_factory=list)
    mentionnables: list = field(default_factory=list)


def panneau(user, dossier) -> Panneau | None:
    """What the dossier's panel shows to ``user``, or None when they are not an agent who sees it
    (an establishment user, another region's agent): then nothing of it is read."""
    agence = agence_pour(user, dossier)
    if agence is None or not dossiers_pour(user).filter(pk=dossier.pk).exists():
        return None
    affectations = list(Affectation.objects.filter(dossier=dossier, agent__isnull=False)
                        .select_related("agent", "region"))
    mienne = next((a for a in affectations if a.region_id == agence.region_id), None)
    autres = [LigneAffectation(agence_de_ligne(a.region_id, a.region), a.agent) for a in affectations
              if a is not mienne]
    notes = list(Note.objects.filter(dossier=dossier).select_related("auteur", "region")
                 .prefetch_related(Prefetch("mentions")).order_by("-cree_le", "-pk"))
    for n in notes:
        n.agence = agence_de_ligne(n.region_id, n.region)
    toutes = list(etiquettes_pour_dossier(user, dossier))
    posees = set(EtiquetteDossier.objects.filter(dossier=dossier, etiquette__in=[e.pk for e in toutes])
                 .values_list("etiquette_id", flat=True)) if toutes else set()
    return Panneau(
        dossier=dossier, agence=agence, affectation=mienne.agent if mienne else None, autres=autres,
        suivi=Suivi.objects.filter(dossier=dossier, agent=user).exists(), notes=notes,
        etiquettes=[e for e in toutes if e.pk in posees],
        etiquettes_disponibles=[e for e in toutes if e.pk not in posees],
        collegues=list(collegues(agence)),
        mentionnables=[u for u in mentionnables(dossier) if u.pk != user.pk],
    )


# --- the queues of the stages --------------------------------------------------------------------------

ARS = "ars"
ANS = "ans"


def affectes(dossier_ids, *, agence: str = ARS) -> dict[int, object]:
    """``dossier id → the assigned agent`` (a User) for the dossiers ``dossier_ids`` (one page of a queue):
    ``agence`` ``ars``: the ARS of the dossier's region (instruction, declarations); ``ans``: the ANS
    (controls, payments). One query whatever the number of dossiers."""
    ids = list(dossier_ids)
    if not ids:
        return {}
    qs = Affectation.objects.filter(dossier_id__in=ids, agent__isnull=False).select_related("agent")
    if agence == ANS:
        qs = qs.filter(region__isnull=True)
    else:
        from django.db.models import F

        qs = qs.filter(region_id=F("dossier__region_instructrice_id"))
    return {a.dossier_id: a.agent for a in qs}


def agents_par_dossier(user, dossiers) -> dict[int, object]:
    """For a page of the agent's list: ``dossier id → the assignee of the agency the agent acts for on
    it`` (one query)."""
    dossiers = list(dossiers)
    if not dossiers:
        return {}
    par_dossier: dict[int, dict] = defaultdict(dict)
    for a in (Affectation.objects.filter(dossier_id__in=[d.pk for d in dossiers], agent__isnull=False)
              .select_related("agent")):
        par_dossier[a.dossier_id][a.region_id] = a.agent
    resultat = {}
    for d in dossiers:
        agence = agence_pour(user, d)
        if agence is not None and agence.region_id in par_dossier.get(d.pk, {}):
            resultat[d.pk] = par_dossier[d.pk][agence.region_id]
    return resultat
