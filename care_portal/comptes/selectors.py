"""Who the user is and what they may see: the one access pattern every view uses.

- ``habilitations(user)``: roles and scopes of the user's confirmed memberships (cached on the user).
- ``structures_pour(user)`` / ``regions_pour(user)``: the scope objects the user holds a guardian
  object permission on; later selectors filter dossiers through them.
- ``obtenir_ou_404(queryset, **lookup)``: fetch inside the user's queryset or answer 404 (never 403).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from guardian.shortcuts import get_objects_for_user

from care_portal.referentiel.models import GHT, EntiteJuridique, Region

from .models import Rattachement
from .roles import ROLES_AGENTS, ROLES_ANS, ROLES_ARS, ROLES_ES, Role


@dataclass(frozen=True)
class Habilitations:
    roles: frozenset[str] = field(default_factory=frozenset)
    ej_ids: frozenset[int] = field(default_factory=frozenset)
    ght_ids: frozenset[int] = field(default_factory=frozenset)
    region_ids: frozenset[int] = field(default_factory=frozenset)
    rattachements: tuple = ()
    en_attente: tuple = ()

    @property
    def est_es(self) -> bool:
        return bool(self.roles & ROLES_ES)

    @property
    def est_ars(self) -> bool:
        return bool(self.roles & ROLES_ARS)

    @property
    def est_ans(self) -> bool:
        return bool(self.roles & ROLES_ANS)

    @property
    def est_agent(self) -> bool:
        return bool(self.roles & ROLES_AGENTS)

    @property
    def est_admin(self) -> bool:
        return Role.ADMIN_ANS in self.roles

    def a(self, *roles: str) -> bool:
        return bool(self.roles & set(roles))


def habilitations(user) -> Habilitations:
    if not getattr(user, "is_authenticated", False):
        return Habilitations()
    cached = getattr(user, "_habilitations", None)
    if cached is not None:
        return cached
    rows = list(
        Rattachement.objects.filter(utilisateur=user, etat__in=[Rattachement.Etat.CONFIRME, Rattachement.Etat.EN_ATTENTE])
        .select_related("ght", "entite_juridique", "region")
        .order_by("role")
    )
    confirmes = [r for r in rows if r.etat == Rattachement.Etat.CONFIRME]
    h = Habilitations(
        roles=frozenset(r.role for r in confirmes),
        ej_ids=frozenset(r.entite_juridique_id for r in confirmes if r.entite_juridique_id and r.role in ROLES_ES),
        ght_ids=frozenset(r.ght_id for r in confirmes if r.ght_id and r.role in ROLES_ES),
        region_ids=frozenset(r.region_id for r in confirmes if r.region_id),
        rattachements=tuple(confirmes),
        en_attente=tuple(r for r in rows if r.etat == Rattachement.Etat.EN_ATTENTE),
    )
    user._habilitations = h
    return h


def structures_pour(user) -> tuple[QuerySet[EntiteJuridique], QuerySet[GHT]]:
    """EJ and GHT whose dossiers the user may open as an ES member (guardian object permissions)."""
    # The bare codename: "referentiel.acceder_structure" names two permissions (EJ and GHT), and
    # guardian would fail to pick the content type from it (MultipleObjectsReturned).
    ejs = get_objects_for_user(user, "acceder_structure", klass=EntiteJuridique, accept_global_perms=False)
    ghts = get_objects_for_user(user, "acceder_structure", klass=GHT, accept_global_perms=False)
    return ejs, ghts


def regions_pour(user) -> QuerySet[Region]:
    """Regions whose dossiers the user instructs (ARS), or all of them for the ANS."""
    if habilitations(user).est_ans:
        return Region.objects.all()
    return get_objects_for_user(user, "referentiel.instruire_region", klass=Region, accept_global_perms=False)


def rattachements_a_decider(user) -> QuerySet[Rattachement]:
    """The pending memberships ``user`` may confirm or refuse (their queue)."""
    h = habilitations(user)
    qs = Rattachement.objects.filter(etat=Rattachement.Etat.EN_ATTENTE).exclude(utilisateur=user).select_related(
        "utilisateur", "ght__region", "entite_juridique__departement__region", "etablissement_declare", "region"
    )
    if h.est_admin:
        return qs
    from django.db.models import Q

    q = Q(pk__in=[])
    if Role.REFERENT_ES in h.roles:
        ref = [r for r in h.rattachements if r.role == Role.REFERENT_ES]
        q |= Q(role__in=ROLES_ES, ght_id__in=[r.ght_id for r in ref if r.ght_id])
        q |= Q(role__in=ROLES_ES, entite_juridique_id__in=[r.entite_juridique_id for r in ref if r.entite_juridique_id])
    if h.est_ars:
        q |= Q(role__in=ROLES_ES, ght__region_id__in=h.region_ids)
        q |= Q(role__in=ROLES_ES, entite_juridique__departement__region_id__in=h.region_ids)
    return qs.filter(q)


def obtenir_ou_404(queryset: QuerySet, **lookup):
    """The one way a view fetches an object for a user: from the queryset the user may see, else 404."""
    return get_object_or_404(queryset, **lookup)
