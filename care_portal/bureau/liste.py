"""The agents' dossier list (``bureau:dossiers``): its views, filters, columns, counts and export rows.

    choix = Choix.pour(user)                      # what the filters offer (a fixed number of queries)
    criteres, erreurs = lire(request.GET, choix)  # the query string, checked against those choices
    qs = dossiers(user, criteres, choix)          # the filtered, ordered queryset (nothing read yet)
    enrichir(user, page_de_dossiers)              # the page's columns: a fixed number of queries

Views: « Tous », « Mes dossiers » (assigned to me), « Suivis » (I follow), « Non affectés » (nobody of the
agency I act for on it). Filters: stage and state (classified by the stage registry:
``etapes.champs()`` / ``etapes.classer()``, filtered in SQL through the combinations of values that give
that stage), label, assignee, region, the search field (recherche.py). Everything starts from
``selectors.dossiers_pour(user)``: nothing widens what the agent may see.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce
from django.http import QueryDict

from care_portal.comptes.selectors import habilitations, regions_pour
from care_portal.core import etapes
from care_portal.core.format_fr import date_courte

from . import recherche, selectors
from .agences import agences_de, collegues
from .models import Affectation, EtiquetteDossier, Note, Suivi

TAILLE_PAGE = 50
TAILLE_LOT_EXPORT = 500

VUES = {"tous": "Tous", "miens": "Mes dossiers", "suivis": "Suivis", "non_affectes": "Non affectés"}
COLONNES = {
    "finess": "FINESS", "type": "Type", "region": "Région", "etape": "Étape", "etat": "État",
    "affectation": "Affecté à", "etiquettes": "Étiquettes", "suivi": "Suivi", "depot": "Déposée le",
    "convention": "N° de convention", "notes": "Notes",
}
COLONNES_DEFAUT = ("finess", "etape", "etat", "affectation", "etiquettes", "depot")
TRIS = {"recents": "Dépôt le plus récent", "anciens": "Dépôt le plus ancien", "structure": "Structure (A → Z)"}
PARAMETRES = ("vue", "q", "etape", "etiquette", "agent", "region", "tri")  # a saved filter's query string
AGENT_MOI, AGENT_AUCUN = "moi", "aucun"
SEPARATEUR_ETAT = "|"


# --- what the filters offer ------------------------------------------------------------------------------

@dataclass
class OptionEtape:
    valeur: str  # "code" or "code|state label"
    libelle: str
    nombre: int
    etat: bool = False  # a state under its stage


@dataclass
class Choix:
    etapes: list[OptionEtape]
    combinaisons: list[tuple[tuple, str, str, int]]  # (lookups' values, stage code, state label, count)
    etiquettes: list  # Etiquette of the agent's agencies
    agents: list  # colleagues of the agent's agencies
    regions: list  # regions the agent may filter on (ANS, or several ARS regions)

    @classmethod
    def pour(cls, user) -> Choix:
        portee = selectors.dossiers_pour(user)
        champs = etapes.champs()
        combinaisons = []
        par_etape: Counter = Counter()
        par_etat: Counter = Counter()
        for *valeurs, n in portee.order_by().values_list(*champs).annotate(n=Count("pk")).values_list(*champs, "n"):
            code, libelle = etapes.classer(dict(zip(champs, valeurs, strict=True)))
            combinaisons.append((tuple(valeurs), code, libelle, n))
            par_etape[code] += n
            par_etat[(code, libelle)] += n
        options = []
        for e in etapes.etapes():
            if not par_etape.get(e.code):
                continue
            options.append(OptionEtape(e.code, e.libelle, par_etape[e.code]))
            for (code, libelle), n in sorted(par_etat.items(), key=lambda kv: kv[0][1]):
                if code == e.code and libelle:
                    options.append(OptionEtape(f"{code}{SEPARATEUR_ETAT}{libelle}", libelle, n, etat=True))
        agents: dict[int, object] = {}
        for a in agences_de(user):
            for u in collegues(a):
                agents.setdefault(u.pk, u)
        h = habilitations(user)
        regions = list(regions_pour(user).order_by("nom")) if (h.est_ans or len(h.region_ids) > 1) else []
        return cls(etapes=options, combinaisons=combinaisons, etiquettes=list(selectors.etiquettes_de(user)),
                   agents=sorted(agents.values(), key=lambda u: (u.nom.lower(), u.prenom.lower(), u.email)),
                   regions=regions)


# --- the criteria ----------------------------------------------------------------------------------------

@dataclass
class Criteres:
    vue: str = "tous"
    q: str = ""
    etape: str = ""
    etiquette: int | None = None
    agent: str = ""
    region: int | None = None
    tri: str = "recents"
    colonnes: list[str] = field(default_factory=lambda: list(COLONNES_DEFAUT))

    def requete(self, **changes) -> str:
        """The query string of these criteria (``changes`` applied), without the page nor the columns."""
        valeurs = {"vue": self.vue, "q": self.q, "etape": self.etape, "etiquette": self.etiquette or "",
                   "agent": self.agent, "region": self.region or "", "tri": self.tri, **changes}
        qd = QueryDict(mutable=True)
        for cle in PARAMETRES:
            v = valeurs.get(cle)
            if v not in (None, "") and not (cle == "vue" and v == "tous") and not (cle == "tri" and v == "recents"):
                qd[cle] = str(v)
        return qd.urlencode()

    @property
    def filtre(self) -> bool:
        """Any filter beyond the view."""
        return bool(self.q or self.etape or self.etiquette or self.agent or self.region)


def _entier(valeur: str) -> int | None:
    return int(valeur) if valeur and valeur.isdigit() and len(valeur) < 12 else None


def lire(donnees: QueryDict, choix: Choix) -> tuple[Criteres, list[str]]:
    """The criteria of a query string; a value the agent may not choose is dropped with a French message."""
    erreurs: list[str] = []
    c = Criteres()
    vue = donnees.get("vue", "tous")
    if vue in VUES:
        c.vue = vue
    else:
        erreurs.append("Cette vue n'existe pas : tous les dossiers sont affichés.")
    c.q = recherche.normaliser(donnees.get("q", ""))
    etape = donnees.get("etape", "")
    if etape:
        if etape in {o.valeur for o in choix.etapes} or etape.split(SEPARATEUR_ETAT)[0] in etapes.codes():
            c.etape = etape
        else:
            erreurs.append("Cette étape n'existe pas : le filtre par étape est ignoré.")
    if donnees.get("etiquette"):
        pk = _entier(donnees["etiquette"])
        if pk is not None and pk in {e.pk for e in choix.etiquettes}:
            c.etiquette = pk
        else:
            erreurs.append("Cette étiquette n'est pas une de celles de votre agence : le filtre est ignoré.")
    agent = donnees.get("agent", "")
    if agent:
        if agent in (AGENT_MOI, AGENT_AUCUN) or (_entier(agent) in {u.pk for u in choix.agents}):
            c.agent = agent
        else:
            erreurs.append("Cet agent n'est pas de votre agence : le filtre par affectation est ignoré.")
    if donnees.get("region"):
        pk = _entier(donnees["region"])
        if pk is not None and pk in {r.pk for r in choix.regions}:
            c.region = pk
        else:
            erreurs.append("Cette région n'est pas parmi les vôtres : le filtre par région est ignoré.")
    tri = donnees.get("tri", "")
    if tri in TRIS:
        c.tri = tri
    if "colonnes" in donnees:
        c.colonnes = [col for col in dict.fromkeys(donnees.getlist("colonnes")) if col in COLONNES]
    return c, erreurs


def requete_propre(requete: str) -> str:
    """A query string reduced to the list's filters (what a saved filter keeps): no page, no columns."""
    qd = QueryDict(requete or "")
    propre = QueryDict(mutable=True)
    for cle in PARAMETRES:
        v = (qd.get(cle) or "").strip()
        if v and not (cle == "vue" and v == "tous") and not (cle == "tri" and v == "recents"):
            propre[cle] = v[:200]
    return propre.urlencode()


# --- the queryset -----------------------------------------------------------------------------------------

def _mien(user) -> Exists:
    return Exists(Affectation.objects.filter(dossier=OuterRef("pk"), agent=user))


def _suivi(user) -> Exists:
    return Exists(Suivi.objects.filter(dossier=OuterRef("pk"), agent=user))


def _affecte(user) -> Q:
    """Someone of the agency the agent acts for on the dossier is on it (ARS of its region, else ANS)."""
    agences = agences_de(user)
    ars = [a.region_id for a in agences if not a.est_ans]
    q = Q(pk__in=[])
    if ars:
        q |= Q(region_instructrice_id__in=ars) & Q(Exists(Affectation.objects.filter(
            dossier=OuterRef("pk"), agent__isnull=False, region_id=OuterRef("region_instructrice_id"))))
    if any(a.est_ans for a in agences):
        ans = Q(Exists(Affectation.objects.filter(dossier=OuterRef("pk"), agent__isnull=False, region__isnull=True)))
        q |= (~Q(region_instructrice_id__in=ars) & ans) if ars else ans
    return q


def _q_vue(user, vue: str) -> Q:
    if vue == "miens":
        return Q(_mien(user))
    if vue == "suivis":
        return Q(_suivi(user))
    if vue == "non_affectes":
        return ~_affecte(user)
    return Q()


def _q_etape(valeur: str, choix: Choix) -> Q:
    code, _, etat = valeur.partition(SEPARATEUR_ETAT)
    champs = etapes.champs()
    retenues = [Q(**dict(zip(champs, valeurs, strict=True))) for valeurs, c, libelle, _n in choix.combinaisons
                if c == code and (not etat or libelle == etat)]
    return reduce(or_, retenues) if retenues else Q(pk__in=[])


def dossiers(user, criteres: Criteres, choix: Choix) -> QuerySet:
    """The agent's dossiers matching ``criteres``, ordered; one query when read."""
    qs = selectors.dossiers_pour(user).filter(_q_vue(user, criteres.vue))
    if criteres.etape:
        qs = qs.filter(_q_etape(criteres.etape, choix))
    if criteres.etiquette:
        qs = qs.filter(Exists(EtiquetteDossier.objects.filter(dossier=OuterRef("pk"), etiquette_id=criteres.etiquette)))
    if criteres.agent == AGENT_MOI:
        qs = qs.filter(_mien(user))
    elif criteres.agent == AGENT_AUCUN:
        qs = qs.filter(~_affecte(user))
    elif criteres.agent:
        qs = qs.filter(Exists(Affectation.objects.filter(dossier=OuterRef("pk"), agent_id=int(criteres.agent))))
    if criteres.region:
        qs = qs.filter(region_instructrice_id=criteres.region)
    if criteres.q:
        qs = recherche.rechercher(qs, criteres.q)
    if criteres.tri == "anciens":
        ordre = [F("deposee_le").asc(nulls_last=True), "pk"]
    elif criteres.tri == "structure":
        ordre = [Coalesce("ght__nom", "entite_juridique__raison_sociale").asc(), "pk"]
    else:
        ordre = [F("deposee_le").desc(nulls_last=True), "-pk"]
    return qs.order_by(*ordre)


def compter_vues(user) -> dict[str, int]:
    """How many dossiers each view holds (no other filter): one aggregate query."""
    comptes = selectors.dossiers_pour(user).order_by().aggregate(
        tous=Count("pk"), miens=Count("pk", filter=Q(_mien(user))), suivis=Count("pk", filter=Q(_suivi(user))),
        non_affectes=Count("pk", filter=~_affecte(user)))
    return {cle: comptes.get(cle) or 0 for cle in VUES}


# --- the rows ---------------------------------------------------------------------------------------------

def enrichir(user, dossiers_page) -> list:
    """The rows of one page (or one batch of an export), each with what the columns show: stage and
    state, convention number, the assignee of the agent's agency, its labels, followed, number of
    notes. Five queries whatever the number of rows."""
    rangs = list(dossiers_page)
    if not rangs:
        return rangs
    ids = [d.pk for d in rangs]
    champs = etapes.champs()
    valeurs = {pk: (dict(zip(champs, v, strict=True)), numero) for pk, numero, *v in
               etapes.modele_dossier().objects.filter(pk__in=ids).order_by()
               .values_list("pk", "convention__numero", *champs)}
    libelles = {e.code: e.libelle for e in etapes.etapes()}
    agents = selectors.agents_par_dossier(user, rangs)
    etiquettes: dict[int, list] = defaultdict(list)
    mes_etiquettes = selectors.etiquettes_de(user)
    for pose in (EtiquetteDossier.objects.filter(dossier_id__in=ids, etiquette__in=mes_etiquettes)
                 .select_related("etiquette").order_by("etiquette__libelle", "pk")):
        etiquettes[pose.dossier_id].append(pose.etiquette)
    suivis = set(Suivi.objects.filter(agent=user, dossier_id__in=ids).values_list("dossier_id", flat=True))
    notes = dict(Note.objects.filter(dossier_id__in=ids).order_by().values_list("dossier_id")
                 .annotate(n=Count("pk")).values_list("dossier_id", "n"))
    for d in rangs:
        v, numero = valeurs.get(d.pk, ({}, None))
        code, etat = etapes.classer(v)
        d.bureau_etape, d.bureau_etat, d.bureau_convention = libelles.get(code, code), etat, numero or ""
        d.bureau_agent = agents.get(d.pk)
        d.bureau_etiquettes = etiquettes.get(d.pk, [])
        d.bureau_suivi = d.pk in suivis
        d.bureau_notes = notes.get(d.pk, 0)
    return rangs


def valeur(d, colonne: str):
    """A cell of the export (text or number) for an enriched dossier."""
    if colonne == "finess":
        return d.entite_juridique.finess
    if colonne == "type":
        return str(d.get_type_candidature_display())
    if colonne == "region":
        return d.region_instructrice.nom
    if colonne == "etape":
        return d.bureau_etape
    if colonne == "etat":
        return d.bureau_etat
    if colonne == "affectation":
        return str(d.bureau_agent) if d.bureau_agent else ""
    if colonne == "etiquettes":
        return ", ".join(e.libelle for e in d.bureau_etiquettes)
    if colonne == "suivi":
        return "oui" if d.bureau_suivi else ""
    if colonne == "depot":
        return date_courte(d.deposee_le, "")
    if colonne == "convention":
        return d.bureau_convention
    if colonne == "notes":
        return d.bureau_notes
    return ""


def entete_export(colonnes: list[str]) -> list[str]:
    return ["N° de dossier", "Structure", *(COLONNES[c] for c in colonnes)]


def lignes_export(user, qs: QuerySet, colonnes: list[str]):
    """Every row of the filtered list, in its order, by batches (a fixed number of queries per batch)."""
    ids = list(qs.values_list("pk", flat=True))
    modele = etapes.modele_dossier()
    for debut in range(0, len(ids), TAILLE_LOT_EXPORT):
        lot = ids[debut:debut + TAILLE_LOT_EXPORT]
        par_pk = {d.pk: d for d in modele.objects.filter(pk__in=lot).select_related(
            "ght", "entite_juridique", "region_instructrice")}
        for d in enrichir(user, [par_pk[pk] for pk in lot if pk in par_pk]):
            yield [d.pk, d.structure_libelle, *(valeur(d, c) for c in colonnes)]
