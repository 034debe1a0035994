"""Reads of the DG ANS's countersigning (issue 19): the queue (filtered, paginated, with counts), the
DG's lots and their progress. Only the DG ANS reaches these pages (the views check the role); a lot
is shown to the DG who launched it only (another's lot answers 404)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404

from care_portal.referentiel.models import Region

from .models import Convention, ElementContresignature, LotContresignature

E = ElementContresignature.Etat


def en_cours_de_scellement() -> QuerySet[ElementContresignature]:
    return ElementContresignature.objects.filter(convention=OuterRef("pk"), etat=E.A_SCELLER)


def conventions_a_contresigner(*, region: Region | None = None, recherche: str = "") -> QuerySet[Convention]:
    """Conventions signed by the ES (native signature) and not already being sealed in a lot, the
    oldest signature first; ``region``: the instructing region; ``recherche``: part of the number,
    the structure's name, its FINESS number or its GHT code."""
    qs = (Convention.objects.filter(etat=Convention.Etat.SIGNEE_ES, fournisseur="native")
          .exclude(Exists(en_cours_de_scellement()))
          .select_related("candidature__region_instructrice", "candidature__entite_juridique", "candidature__ght")
          .order_by("signee_es_le", "pk"))
    if region is not None:
        qs = qs.filter(candidature__region_instructrice=region)
    return rechercher(qs, recherche)


def rechercher(qs: QuerySet[Convention], recherche: str) -> QuerySet[Convention]:
    """Part of the number, the structure's name, its FINESS number or its GHT code (or name)."""
    recherche = (recherche or "").strip()
    if not recherche:
        return qs
    return qs.filter(Q(numero__icontains=recherche) | Q(candidature__entite_juridique__raison_sociale__icontains=recherche)
                     | Q(candidature__entite_juridique__finess=recherche) | Q(candidature__ght__code__iexact=recherche)
                     | Q(candidature__ght__nom__icontains=recherche))


def nombre_en_cours() -> int:
    """Conventions being sealed now (in any DG's lot)."""
    return ElementContresignature.objects.filter(etat=E.A_SCELLER).values("convention").distinct().count()


def _avec_comptes(qs: QuerySet[LotContresignature]) -> QuerySet[LotContresignature]:
    return qs.annotate(total=Count("elements"), faites=Count("elements", filter=Q(elements__etat=E.FAITE)),
                       echecs=Count("elements", filter=Q(elements__etat=E.ECHEC)),
                       restantes=Count("elements", filter=Q(elements__etat=E.A_SCELLER)))


def lots_recents(user, nombre: int = 5) -> list[LotContresignature]:
    """The user's last lots, with their counts (one query)."""
    return list(_avec_comptes(LotContresignature.objects.filter(acteur=user)).order_by("-cree_le", "-pk")[:nombre])


@dataclass(frozen=True)
class Avancement:
    lot: LotContresignature
    total: int
    faites: int
    restantes: int
    echecs: list[ElementContresignature]  # with their convention and the reason
    contresignees: list[ElementContresignature]

    @property
    def termine(self) -> bool:
        return self.restantes == 0

    @property
    def pourcentage(self) -> int:
        return round(100 * (self.faites + len(self.echecs)) / self.total) if self.total else 100


def lot_de(user, pk: int) -> LotContresignature:
    lot = LotContresignature.objects.filter(pk=pk, acteur=user).first()
    if lot is None:
        raise Http404("Lot de contresignature introuvable.")
    return lot


def avancement(lot: LotContresignature) -> Avancement:
    """The progress of a lot (at most ``TAILLE_LOT_MAX`` elements: read in one query)."""
    elements = list(lot.elements.select_related("convention__candidature__entite_juridique",
                                                "convention__candidature__ght").order_by("pk"))
    faites = [e for e in elements if e.etat == E.FAITE]
    echecs = [e for e in elements if e.etat == E.ECHEC]
    return Avancement(lot=lot, total=len(elements), faites=len(faites),
                      restantes=sum(e.etat == E.A_SCELLER for e in elements), echecs=echecs, contresignees=faites)


# --- the list of conventions (ANS: all; ARS: its regions) --------------------------------------------

def conventions_pour(user) -> QuerySet[Convention]:
    """The conventions of the candidatures ``user`` may see (another structure's or region's: none)."""
    from candidatures import selectors as candidatures_selectors

    return Convention.objects.filter(candidature__in=candidatures_selectors.candidatures_pour(user))


@dataclass(frozen=True)
class CompteEtat:
    etat: str
    libelle: str
    nombre: int


def liste(user, *, etat: str = "", region: Region | None = None, recherche: str = "") -> tuple[QuerySet, list]:
    """The conventions ``user`` sees, filtered (the same search as the countersigning queue), the oldest
    first, and the count of each state under the region and search filters (one query)."""
    qs = conventions_pour(user)
    if region is not None:
        qs = qs.filter(candidature__region_instructrice=region)
    qs = rechercher(qs, recherche)
    par_etat = dict(qs.order_by().values_list("etat").annotate(n=Count("pk")))
    comptes = [CompteEtat(e.value, e.label, par_etat.get(e.value, 0)) for e in Convention.Etat]
    if etat:
        qs = qs.filter(etat=etat)
    qs = (qs.select_related("candidature__region_instructrice", "candidature__entite_juridique", "candidature__ght")
          .order_by("cree_le", "pk"))
    return qs, comptes
