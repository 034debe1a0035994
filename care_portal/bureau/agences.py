"""An *agence*: the ARS of a region or the ANS, the team whose agents share assignments and labels.

    agences_de(user)          the agencies the agent belongs to (confirmed memberships)
    agence_pour(user, d)      the agency the agent acts for on dossier ``d`` (None: not an agent of it)
    collegues(agence)         the active agents of an agency (who may be assigned)
    mentionnables(d)          the agents who see dossier ``d`` (ARS of its region, ANS): who may be mentioned

An ARS agent acts for the ARS of the dossier's region; an ANS agent for the ANS. Someone who is both
(ARS of a region and ANS) acts for the ARS on that region's dossiers and for the ANS elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from care_portal.comptes.models import Rattachement
from care_portal.comptes.roles import ROLES_ANS, Role
from care_portal.comptes.selectors import habilitations

LIBELLE_ANS = "ANS"


@dataclass(frozen=True)
class Agence:
    region_id: int | None  # None: the ANS
    libelle: str = LIBELLE_ANS

    @property
    def est_ans(self) -> bool:
        return self.region_id is None

    @property
    def cle(self) -> str:
        return "ans" if self.est_ans else f"ars-{self.region_id}"

    def filtre(self, prefixe: str = "") -> Q:
        """Q on a model with a ``region`` field (``prefixe``: the path to it) selecting this agency's rows."""
        if self.est_ans:
            return Q(**{f"{prefixe}region__isnull": True})
        return Q(**{f"{prefixe}region_id": self.region_id})

    def __str__(self) -> str:
        return self.libelle


ANS = Agence(None)


def agence_de_region(region) -> Agence:
    return Agence(region.pk, region.ars or f"ARS {region.nom}")


def agence_de_ligne(region_id: int | None, region=None) -> Agence:
    """The agency of a row (an assignment, a label, a note): its region, or the ANS."""
    if region_id is None:
        return ANS
    return agence_de_region(region) if region is not None else Agence(region_id, "ARS")


def agences_de(user) -> list[Agence]:
    """The agent's agencies: the ARS of each region they instruct, then the ANS. No query (the
    habilitations are cached on the user with their regions)."""
    h = habilitations(user)
    agences: list[Agence] = []
    if h.est_ars:
        vues = set()
        for r in h.rattachements:
            if r.role == Role.REFERENT_ARS and r.region_id and r.region_id not in vues:
                vues.add(r.region_id)
                agences.append(agence_de_region(r.region))
    if h.est_ans:
        agences.append(ANS)
    return agences


def agence_pour(user, dossier) -> Agence | None:
    """The agency ``user`` acts for on ``dossier``: the ARS of its region, else the ANS, else None."""
    for a in agences_de(user):
        if not a.est_ans and a.region_id == dossier.region_instructrice_id:
            return a
    return ANS if habilitations(user).est_ans else None


def _agents(filtre: Q) -> QuerySet:
    User = get_user_model()
    membres = Rattachement.objects.filter(filtre, etat=Rattachement.Etat.CONFIRME).values("utilisateur_id")
    return User.objects.filter(pk__in=membres, is_active=True).order_by("nom", "prenom", "email")


def collegues(agence: Agence) -> QuerySet:
    """The active agents of ``agence`` (confirmed memberships): whom a dossier may be assigned to."""
    if agence.est_ans:
        return _agents(Q(role__in=ROLES_ANS))
    return _agents(Q(role=Role.REFERENT_ARS, region_id=agence.region_id))


def mentionnables(dossier) -> QuerySet:
    """The agents who see ``dossier``: the ARS of its region and the ANS."""
    return _agents(Q(role=Role.REFERENT_ARS, region_id=dossier.region_instructrice_id) | Q(role__in=ROLES_ANS))


def est_collegue(agence: Agence, user) -> bool:
    return collegues(agence).filter(pk=user.pk).exists()
