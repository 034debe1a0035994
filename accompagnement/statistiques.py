"""The programme's public statistics (issue 22, point 4): dossiers counted by region and stage, never a
dossier or an establishment named.

Counted: the dossiers submitted at least once (a draft never submitted is no part of the programme's
progress), classified by the stage registry (care_portal.notifications.tableaux.compter: one aggregate
query). Small counts are suppressed: in a region, a stage with 1 to ``SEUIL_SECRET - 1`` dossiers
could point at one or two known hospitals. Such a cell reads « moins de 5 »; and so that it cannot be
recomputed from the totals shown (row: the region's total; column: the stage's national total; totals
are cells of the grid too), when a row or a column holds exactly one suppressed cell, its smallest other
non-zero cell is suppressed too (secondary suppression), until no row or column holds a single one.
Zero stays zero. The chart draws only the cells shown.
"""

from __future__ import annotations

from dataclasses import dataclass

from care_portal.core import etapes as registre
from care_portal.notifications.tableaux import compter
from care_portal.referentiel.models import Region

SEUIL_SECRET = 5
SECRET = f"moins de {SEUIL_SECRET}"


def masquer(grille: list[list[int]], seuil: int = SEUIL_SECRET) -> list[list[bool]]:
    """Which cells of ``grille`` (rows × columns of counts) to suppress: primary (1 ≤ n < seuil), then
    secondary so that no row or column holds exactly one suppressed cell. Pure function."""
    masque = [[0 < n < seuil for n in ligne] for ligne in grille]
    nb_colonnes = len(grille[0]) if grille else 0

    def completer(cellules: list[tuple[int, int]]) -> bool:
        caches = [(i, j) for i, j in cellules if masque[i][j]]
        if len(caches) != 1:
            return False
        candidates = [(grille[i][j], i, j) for i, j in cellules if not masque[i][j] and grille[i][j] > 0]
        if not candidates:
            return False
        _, i, j = min(candidates)
        masque[i][j] = True
        return True

    change = True
    while change:
        change = False
        for i in range(len(grille)):
            change |= completer([(i, j) for j in range(nb_colonnes)])
        for j in range(nb_colonnes):
            change |= completer([(i, j) for i in range(len(grille))])
    return masque


@dataclass(frozen=True)
class Cellule:
    nombre: int
    secret: bool

    @property
    def texte(self) -> str:
        return SECRET if self.secret else str(self.nombre)


@dataclass(frozen=True)
class LigneRegion:
    region: str
    total: Cellule
    cellules: tuple[Cellule, ...]


@dataclass(frozen=True)
class Statistiques:
    etapes: tuple[tuple[str, str, str], ...]  # code, label, colour
    lignes: tuple[LigneRegion, ...]
    totaux: tuple[Cellule, ...]  # per stage, national
    total: Cellule

    def csv(self) -> tuple[list[str], list[list]]:
        entete = ["Région", "Dossiers", *[libelle for _, libelle, _ in self.etapes]]
        lignes = [[ligne.region, ligne.total.texte, *[c.texte for c in ligne.cellules]] for ligne in self.lignes]
        lignes.append(["Total national", self.total.texte, *[c.texte for c in self.totaux]])
        return entete, lignes


def statistiques(dossiers) -> Statistiques:
    """``dossiers``: the queryset of dossiers counted (submitted ones). The totals are cells of the grid
    too (last column, last row): a total of 1 to 4 is suppressed, and counts as a cell of its row and of
    its column for the secondary suppression."""
    comptes = compter(dossiers)
    liste = [(e.code, e.libelle, e.couleur) for e in registre.etapes()]
    regions = list(Region.objects.order_by("nom"))
    grille = [[comptes.par_region.get(r.pk, {}).get(code, 0) for code, _, _ in liste] for r in regions]
    grille = [[*ligne, sum(ligne)] for ligne in grille]
    grille.append([sum(ligne[j] for ligne in grille) for j in range(len(liste) + 1)])
    masque = masquer(grille)
    cellules = [[Cellule(n, masque[i][j]) for j, n in enumerate(ligne)] for i, ligne in enumerate(grille)]
    lignes = tuple(LigneRegion(region=r.nom, total=cellules[i][-1], cellules=tuple(cellules[i][:-1]))
                   for i, r in enumerate(regions))
    return Statistiques(etapes=tuple(liste), lignes=lignes, totaux=tuple(cellules[-1][:-1]), total=cellules[-1][-1])


def graphique(stats: Statistiques, *, largeur: int = 520, hauteur_barre: int = 22) -> dict:
    """Geometry of a horizontal stacked bar per region (a segment per stage, suppressed cells not drawn),
    scaled on the largest region; the table beside it carries the same numbers."""
    maximum = max((sum(c.nombre for c in ligne.cellules if not c.secret) for ligne in stats.lignes), default=0) or 1
    barres = []
    for i, ligne in enumerate(stats.lignes):
        x, cumul, segments = 0, 0, []
        for (_code, libelle, couleur), cellule in zip(stats.etapes, ligne.cellules, strict=True):
            if cellule.secret or not cellule.nombre:
                continue
            cumul += cellule.nombre
            fin = max(x + 1, round(cumul * largeur / maximum))
            segments.append({"x": x, "largeur": fin - x, "couleur": couleur, "libelle": libelle,
                             "nombre": cellule.nombre})
            x = fin
        caches = any(c.secret for c in ligne.cellules)
        barres.append({"libelle": ligne.region, "total": ligne.total.texte, "y": i * (hauteur_barre + 8),
                       "segments": segments, "texte_x": x + 6, "caches": caches})
    return {"barres": barres, "largeur": largeur, "hauteur_barre": hauteur_barre,
            "hauteur": len(stats.lignes) * (hauteur_barre + 8),
            "legende": [(libelle, couleur) for _, libelle, couleur in stats.etapes]}
