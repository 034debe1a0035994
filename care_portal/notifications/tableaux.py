"""Reads of the dashboards (comptes/views/espace.py): where each dossier stands in the lifecycle,
counted by stage, state, region and type in a fixed number of queries (aggregates, never a query per
dossier), the work waiting too long, the export rows, and the geometry of the server-rendered SVG chart
(no script: the page's CSP forbids inline code, and the chart has its data table next to it).

Every stage comes from the stage registry (care_portal.core.etapes): the lookups each stage reads, how
it classifies a dossier, its waiting-work counts. This module knows no stage app.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, QuerySet
from django.utils import timezone

from care_portal.core import etapes as registre


def etapes_ordonnees() -> tuple[tuple[str, str], ...]:
    """(code, label) of the lifecycle's stages, in order."""
    return tuple((e.code, e.libelle) for e in registre.etapes())


def etape_de(valeurs: dict) -> tuple[str, str]:
    """(stage code, state label) of a dossier from the values of the registered lookups."""
    return registre.classer(valeurs)


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
    etape_etat: Counter = Counter()
    etape: Counter = Counter()
    region: dict[int, Counter] = defaultdict(Counter)
    type_: dict[str, Counter] = defaultdict(Counter)
    total = 0
    lookups = registre.champs()
    champs = (*lookups, "region_instructrice", "type_candidature")
    for *valeurs, region_id, type_candidature, n in (
        qs.order_by().values_list(*champs).annotate(n=Count("pk")).values_list(*champs, "n")
    ):
        code, libelle = etape_de(dict(zip(lookups, valeurs, strict=True)))
        etape_etat[(code, libelle)] += n
        etape[code] += n
        region[region_id][code] += n
        region[region_id]["total"] += n
        type_[type_candidature][code] += n
        type_[type_candidature]["total"] += n
        total += n
    liste_etapes = etapes_ordonnees()
    libelles_etapes = dict(liste_etapes)
    ordre = {code: i for i, (code, _) in enumerate(liste_etapes)}
    libelles_types = dict(qs.model._meta.get_field("type_candidature").flatchoices)
    return Comptes(
        total=total,
        par_etape_etat=[{"etape": libelles_etapes[c], "etat": e, "nombre": n}
                        for (c, e), n in sorted(etape_etat.items(), key=lambda kv: (ordre[kv[0][0]], kv[0][1]))],
        par_etape={code: etape.get(code, 0) for code, _ in liste_etapes},
        par_region=dict(region),
        par_type=[{"type": libelles_types.get(t, t), "total": c["total"],
                   "etapes": [c.get(code, 0) for code, _ in liste_etapes]}
                  for t, c in sorted(type_.items(), key=lambda kv: str(libelles_types.get(kv[0], kv[0])))],
    )


# --- work waiting too long ----------------------------------------------------------------------

LIGNES_RETARD = 10


def en_retard(qs: QuerySet, *, portee: str = "national", maintenant: datetime.datetime | None = None) -> list[dict]:
    """What waits too long among the dossiers ``qs``, as each stage counts it (registry ``Compteur``):
    for each, its title, count, the oldest few (``lignes``: link and text) and the page that lists them.
    A fixed number of queries per count."""
    maintenant = maintenant or timezone.now()
    resultats = []
    for c in registre.compteurs(portee):
        r = c.compter(qs, maintenant=maintenant, limite=LIGNES_RETARD)
        resultats.append({"code": c.code, "titre": c.titre, "etape": registre.etape(c.etape).libelle,
                          "nombre": r["nombre"], "lignes": r.get("lignes", []),
                          "url": r.get("url", "")})
    return resultats


# --- exports ------------------------------------------------------------------------------------

COLONNES_EXPORT = ("Région", "Structure", "FINESS", "Type", "Appel", "Étape", "État", "N° d'étape", "Déposée le",
                   "Décidée le", "Convention")


def lignes_export(qs: QuerySet):
    """One row per dossier, streamed (iterator over one query with its joins), its stage and state
    classified by the registry."""
    types = dict(qs.model._meta.get_field("type_candidature").flatchoices)
    libelles = dict(etapes_ordonnees())
    numeros = {code: i + 1 for i, code in enumerate(libelles)}

    def jour(d):
        return timezone.localtime(d).strftime("%d/%m/%Y") if d else ""

    lookups = registre.champs()
    champs = ("region_instructrice__nom", "ght__code", "ght__nom", "entite_juridique__raison_sociale",
              "entite_juridique__finess", "type_candidature", "appel__nom", "deposee_le", "decidee_le",
              "convention__numero", *lookups)
    for (region, ght_code, ght_nom, ej, finess, type_candidature, appel, depot, decision, numero,
         *valeurs) in qs.order_by("region_instructrice__nom", "pk").values_list(*champs).iterator(chunk_size=2000):
        etape, libelle = etape_de(dict(zip(lookups, valeurs, strict=True)))
        yield (region, f"{ght_code} {ght_nom}" if ght_code else ej, finess, str(types.get(type_candidature, "")),
               appel, libelles[etape], libelle, numeros[etape], jour(depot), jour(decision), numero or "")


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
        for e in registre.etapes():
            code, libelle = e.code, e.libelle
            n = c.get(code, 0)
            if n:
                cumul += n
                fin = max(x + 1, round(cumul * largeur / maximum))  # integers: no localised decimal comma
                segments.append({"x": x, "largeur": fin - x, "couleur": e.couleur, "libelle": libelle,
                                 "nombre": n})
                x = fin
        barres.append(Barre(libelle=r.nom, total=c["total"], y=i * (hauteur_barre + 8), segments=segments,
                            texte_x=x + 6))
    return {"barres": barres, "largeur": largeur, "hauteur_barre": hauteur_barre,
            "hauteur": len(regions) * (hauteur_barre + 8), "legende": [(e.libelle, e.couleur) for e in registre.etapes()]}
