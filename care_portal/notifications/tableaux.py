"""Reads of the dashboards (issue 10, comptes/views/espace.py): where each dossier stands in the
lifecycle, counted by stage, state, region and type in a fixed number of queries (aggregates, never a
query per dossier), the overdue items, the export rows, and the geometry of the server-rendered SVG
chart (no script: the page's CSP forbids inline code, and the chart has its data table next to it).

A dossier's *stage* comes from its candidature, its convention and its declaration; a complete
declaration waits for the ANS's control; the control and payment stages count nothing more until their
apps exist.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, QuerySet
from django.utils import timezone

ETAPES: tuple[tuple[str, str], ...] = (
    ("candidature", "Candidature"),
    ("instruction", "Instruction par l'ARS"),
    ("convention", "Convention"),
    ("declaration", "Déclaration d'atteinte des objectifs"),
    ("controle", "Contrôle"),
    ("paiement", "Paiement"),
)
LIBELLES_ETAPES = dict(ETAPES)
# One colour per stage (DSFR illustrative palette, contrast ≥ 3:1 on white for the bars).
COULEURS = {"candidature": "#6a6af4", "instruction": "#c3992a", "convention": "#009081", "declaration": "#ce614a",
            "controle": "#a558a0", "paiement": "#3a3a3a"}


def etape_de(etat: str, etat_convention: str | None, etat_declaration: str | None = None) -> tuple[str, str]:
    """(stage code, state label) of a dossier from its candidature's, convention's and declaration's states."""
    from candidatures.models import Candidature, Convention
    from declarations.models import Declaration

    E, C, D = Candidature.Etat, Convention.Etat, Declaration.Etat
    if etat == E.BROUILLON:
        return "candidature", "Brouillon"
    if etat == E.RETIREE:
        return "candidature", "Retirée"
    if etat in (E.DEPOSEE, E.COMPLEMENT_DEMANDE, E.REJETEE):
        return "instruction", E(etat).label
    if etat_convention == C.SIGNEE:
        if etat_declaration == D.COMPLETE:
            return "controle", "Déclaration complète, contrôle à planifier"
        if etat_declaration:
            return "declaration", D(etat_declaration).label
        return "declaration", "Convention signée, déclaration à venir"
    return "convention", C(etat_convention).label if etat_convention else "À générer"


@dataclass
class Comptes:
    """Counts of a set of dossiers: total, per (stage, state), per stage, per region × stage, per type."""

    total: int = 0
    par_etape_etat: list[dict] = field(default_factory=list)
    par_etape: dict[str, int] = field(default_factory=dict)
    par_region: dict[int, Counter] = field(default_factory=dict)
    par_type: list[dict] = field(default_factory=list)


def compter(qs: QuerySet) -> Comptes:
    """One aggregate query whatever the number of dossiers."""
    from candidatures.regles import TypeCandidature

    etape_etat: Counter = Counter()
    etape: Counter = Counter()
    region: dict[int, Counter] = defaultdict(Counter)
    type_: dict[str, Counter] = defaultdict(Counter)
    total = 0
    champs = ("etat", "convention__etat", "declaration__etat", "region_instructrice", "type_candidature")
    for etat, conv, decl, region_id, type_candidature, n in (
        qs.order_by().values_list(*champs).annotate(n=Count("pk")).values_list(*champs, "n")
    ):
        code, libelle = etape_de(etat, conv, decl)
        etape_etat[(code, libelle)] += n
        etape[code] += n
        region[region_id][code] += n
        region[region_id]["total"] += n
        type_[type_candidature][code] += n
        type_[type_candidature]["total"] += n
        total += n
    ordre = {code: i for i, (code, _) in enumerate(ETAPES)}
    libelles_types = dict(TypeCandidature.CHOICES)
    return Comptes(
        total=total,
        par_etape_etat=[{"etape": LIBELLES_ETAPES[c], "etat": e, "nombre": n}
                        for (c, e), n in sorted(etape_etat.items(), key=lambda kv: (ordre[kv[0][0]], kv[0][1]))],
        par_etape={code: etape.get(code, 0) for code, _ in ETAPES},
        par_region=dict(region),
        par_type=[{"type": libelles_types.get(t, t), "total": c["total"],
                   "etapes": [c.get(code, 0) for code, _ in ETAPES]}
                  for t, c in sorted(type_.items(), key=lambda kv: str(libelles_types.get(kv[0], kv[0])))],
    )


# --- overdue items ------------------------------------------------------------------------------

LIGNES_RETARD = 10


def en_retard(qs: QuerySet, *, maintenant: datetime.datetime | None = None) -> dict:
    """What waits too long among ``qs``: candidatures awaiting the ARS longer than the reminder delay,
    expired or blocked conventions to send again, conventions signed by the ES awaiting countersigning.
    Counts plus the oldest few of each (a fixed number of queries)."""
    from candidatures.models import Candidature, Convention

    maintenant = maintenant or timezone.now()
    limite = maintenant - datetime.timedelta(days=settings.CARE_RAPPEL_ARS_ATTENTE_JOURS)
    attente = qs.filter(etat=Candidature.Etat.DEPOSEE, deposee_le__lte=limite).order_by("deposee_le", "pk")
    a_renvoyer = Convention.objects.filter(candidature__in=qs.values("pk"), etat=Convention.Etat.EXPIREE) \
        .select_related("candidature__ght", "candidature__entite_juridique").order_by("expiree_le", "pk")
    a_contresigner = Convention.objects.filter(candidature__in=qs.values("pk"), etat=Convention.Etat.SIGNEE_ES) \
        .select_related("candidature__ght", "candidature__entite_juridique").order_by("signee_es_le", "pk")
    premieres = list(attente.select_related("ght", "entite_juridique")[:LIGNES_RETARD])
    for c in premieres:
        c.attente_jours = (maintenant - c.deposee_le).days
    return {
        "delai": settings.CARE_RAPPEL_ARS_ATTENTE_JOURS,
        "attente": {"nombre": attente.count(), "premieres": premieres},
        "a_renvoyer": {"nombre": a_renvoyer.count(), "premieres": list(a_renvoyer[:LIGNES_RETARD])},
        "a_contresigner": {"nombre": a_contresigner.count(), "premieres": list(a_contresigner[:LIGNES_RETARD])},
    }


# --- exports ------------------------------------------------------------------------------------

COLONNES_EXPORT = ("Région", "Structure", "FINESS", "Type", "Appel", "Étape", "État", "Déposée le", "Décidée le",
                   "Convention", "État de la convention", "À signer avant le")


def lignes_export(qs: QuerySet):
    """One row per dossier, streamed (iterator over one query with its joins)."""
    from candidatures.models import Convention
    from candidatures.regles import TypeCandidature

    types = dict(TypeCandidature.CHOICES)
    etats_convention = dict(Convention.Etat.choices)

    def jour(d):
        return timezone.localtime(d).strftime("%d/%m/%Y") if d else ""

    champs = ("region_instructrice__nom", "ght__code", "ght__nom", "entite_juridique__raison_sociale",
              "entite_juridique__finess", "type_candidature", "appel__nom", "etat", "convention__etat",
              "deposee_le", "decidee_le", "convention__numero", "convention__echeance", "declaration__etat")
    for (region, ght_code, ght_nom, ej, finess, type_candidature, appel, etat, conv, depot, decision, numero,
         echeance, decl) in qs.order_by("region_instructrice__nom", "pk").values_list(*champs).iterator(chunk_size=2000):
        etape, libelle = etape_de(etat, conv, decl)
        yield (region, f"{ght_code} {ght_nom}" if ght_code else ej, finess, str(types.get(type_candidature, "")),
               appel, LIBELLES_ETAPES[etape], libelle, jour(depot), jour(decision), numero or "",
               etats_convention.get(conv, "") if conv else "", jour(echeance))


# --- the SVG chart ------------------------------------------------------------------------------

@dataclass
class Barre:
    libelle: str
    total: int
    y: int
    segments: list[dict]
    texte_x: int = 0


def graphique_regions(regions: list, comptes: Comptes, *, largeur: int = 560, hauteur_barre: int = 22) -> dict:
    """Geometry of a horizontal stacked bar per region (one segment per stage), scaled on the largest
    region: the template draws it, the data table beside it carries the same numbers."""
    maximum = max((comptes.par_region.get(r.pk, Counter())["total"] for r in regions), default=0) or 1
    barres = []
    for i, r in enumerate(regions):
        c = comptes.par_region.get(r.pk, Counter())
        x, segments, cumul = 0, [], 0
        for code, libelle in ETAPES:
            n = c.get(code, 0)
            if n:
                cumul += n
                fin = max(x + 1, round(cumul * largeur / maximum))  # integers: no localised decimal comma
                segments.append({"x": x, "largeur": fin - x, "couleur": COULEURS[code], "libelle": libelle,
                                 "nombre": n})
                x = fin
        barres.append(Barre(libelle=r.nom, total=c["total"], y=i * (hauteur_barre + 8), segments=segments,
                            texte_x=x + 6))
    return {"barres": barres, "largeur": largeur, "hauteur_barre": hauteur_barre,
            "hauteur": len(regions) * (hauteur_barre + 8), "legende": [(LIBELLES_ETAPES[c], COULEURS[c]) for c, _ in ETAPES]}
