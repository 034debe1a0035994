"""Reads of the payment app: the ceiling table in force, and the plain data the rules need."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import timezone

from candidatures.regles import TypeCandidature
from care_portal.core import format_fr
from care_portal.referentiel.categories import est_esms
from care_portal.referentiel.models import GHT, AppelAFinancement, EntiteJuridique, EtablissementGeographique

from .models import GrilleMontantsPlafonds, LignePlafond
from .regles import LignePlafondData, ResultatPlafond, StructurePlafond, nombre, plafond_pour


def grilles(appel: AppelAFinancement | None = None) -> QuerySet[GrilleMontantsPlafonds]:
    qs = GrilleMontantsPlafonds.objects.select_related("appel", "cree_par").order_by("appel__code", "-version")
    return qs.filter(appel=appel) if appel is not None else qs


def grille_en_vigueur(appel: AppelAFinancement, jour: datetime.date | None = None) -> GrilleMontantsPlafonds | None:
    """The highest version of ``appel``'s table in force on ``jour`` (today, Europe/Paris, by default)."""
    jour = jour or timezone.localdate()
    return (GrilleMontantsPlafonds.objects.filter(appel=appel, en_vigueur_le__lte=jour)
            .select_related("appel").order_by("-version").first())


def lignes_de(grille: GrilleMontantsPlafonds) -> list[LignePlafondData]:
    return [LignePlafondData(ligne.type_structure, ligne.activite_min, ligne.activite_max, ligne.montant,
                             numero=ligne.pk)
            for ligne in LignePlafond.objects.filter(grille=grille).order_by("type_structure", "activite_min")]


def type_de(structure: GHT | EntiteJuridique) -> str:
    """The candidature type of a structure (the same rule as ``candidatures.services.type_de``)."""
    from candidatures.services import type_de as type_candidature

    return type_candidature(structure)


def structure_porteuse(etablissement: GHT | EntiteJuridique | EtablissementGeographique) -> GHT | EntiteJuridique:
    """The structure whose ceiling applies: an EG's EJ; a public EJ member of a GHT → the GHT
    (its candidature is carried by the GHT's support); a GHT itself."""
    from care_portal.comptes.services import structure_porteuse as porteuse

    if isinstance(etablissement, GHT):
        return etablissement
    ej = etablissement.entite_juridique if isinstance(etablissement, EtablissementGeographique) else etablissement
    return porteuse(ej)


def structure_plafond(structure: GHT | EntiteJuridique) -> StructurePlafond:
    """The rule's data for ``structure``. A GHT's combined activity is the sum of its member EJ's,
    ESMS-only members left out (they do not count for D1: DESIGN.md §3, as in the candidature's
    perimeter); an EJ's is its own."""
    if isinstance(structure, GHT):
        membres = list(structure.membres.prefetch_related("etablissements").order_by("-activite_combinee", "finess"))
        comptes, exclus = [], []
        for ej in membres:
            egs = list(ej.etablissements.all())
            if egs and all(est_esms(eg.categorie_code, eg.categorie_agregee_code) for eg in egs):
                exclus.append(ej)
            else:
                comptes.append(ej)
        total = sum((ej.activite_combinee for ej in comptes), Decimal("0"))
        explications = [f"Activité combinée du GHT {structure.code} : somme de l'activité de ses "
                        f"{len(comptes)} entité{'s' if len(comptes) > 1 else ''} juridique{'s' if len(comptes) > 1 else ''} "
                        f"membre{'s' if len(comptes) > 1 else ''}, soit {nombre(total)}."]
        if exclus:
            explications.append(f"{len(exclus)} membre{format_fr.s(len(exclus))} du GHT {'ne comptent pas' if len(exclus) > 1 else 'ne compte pas'} (établissements sociaux et "
                                "médico-sociaux uniquement) : " + ", ".join(ej.raison_sociale for ej in exclus) + ".")
        return StructurePlafond(TypeCandidature.GHT, total, structure.nom, structure.code, tuple(explications))
    return StructurePlafond(type_de(structure), structure.activite_combinee, structure.raison_sociale,
                            structure.finess)


def membres_du_ght(ght: GHT) -> list[EntiteJuridique]:
    return list(ght.membres.select_related("departement").order_by("-activite_combinee", "finess"))


@dataclass(frozen=True)
class Simulation:
    appel: AppelAFinancement
    structure: GHT | EntiteJuridique
    grille: GrilleMontantsPlafonds | None
    resultat: ResultatPlafond | None  # None when no table is in force
    lignes_du_type: list[LignePlafondData]


def simuler_plafond(structure: GHT | EntiteJuridique, appel: AppelAFinancement,
                    jour: datetime.date | None = None) -> Simulation:
    """The ceiling of ``structure`` for ``appel`` from the table in force, with the rows of its type."""
    grille = grille_en_vigueur(appel, jour)
    if grille is None:
        return Simulation(appel, structure, None, None, [])
    donnees = structure_plafond(structure)
    lignes = lignes_de(grille)
    return Simulation(appel, structure, grille, plafond_pour(donnees, lignes),
                      [ligne for ligne in lignes if ligne.type_structure == donnees.type_structure])


def plafond_de_candidature(candidature, jour: datetime.date | None = None):
    """The ceiling of a candidature's structure from its call's grid row in force on ``jour`` (the
    simulator's rule), as ``conventions.plafonds.PlafondConvention``: the provider that
    ``paiement.apps`` registers for the convention stage (candidatures never imports paiement)."""
    from conventions.plafonds import PlafondConvention

    appel = candidature.appel
    simulation = simuler_plafond(structure_de(candidature), appel, jour)
    if simulation.grille is None:
        return PlafondConvention(montant=None, erreur=(
            f"Aucune matrice des montants plafonds n'est en vigueur pour l'appel « {appel} » : le montant de la "
            "convention ne peut pas être calculé. Importez la matrice (Paiements › Matrices des plafonds), "
            "puis envoyez la convention."))
    g, r = simulation.grille, simulation.resultat
    base = {"grille_id": g.pk, "grille_version": g.version, "grille_en_vigueur_le": g.en_vigueur_le,
            "grille_illustrative": g.illustrative, "type_structure": r.structure.type_structure,
            "activite_combinee": r.structure.activite_combinee, "raisons": r.raisons}
    if not r.trouve:
        return PlafondConvention(montant=None, erreur=f"Matrice v{g.version} : {r.raisons[-1]}", **base)
    return PlafondConvention(montant=r.montant, ligne_id=r.ligne.numero, tranche=r.ligne.tranche, **base)


# --- payments -------------------------------------------------------------------------------------------

def iban_compact(iban: str) -> str:
    return "".join((iban or "").split()).upper()


def structure_de(candidature) -> GHT | EntiteJuridique:
    return candidature.ght if candidature.ght_id else candidature.entite_juridique


@dataclass(frozen=True)
class CalculPaiement:
    """The amount of a payment and how it was obtained; ``erreur`` (French) when it cannot be computed."""

    erreur: str = ""
    couts_eligibles: Decimal | None = None
    plafond: Decimal | None = None
    montant: Decimal | None = None
    plafonne: bool = False
    donnees: dict | None = None


_A_LIRE = object()  # calcul_pour reads what it is not given


def calcul_pour(controle, jour: datetime.date | None = None, *, instantane=_A_LIRE,
                base_appel: str | None = None) -> CalculPaiement:
    """min(eligible costs frozen at the declaration's last submission, convention amount) for a
    validated control.

    Eligible costs: the ``general.eligible`` total of the last ``Instantane`` (its frozen basis, HT or
    TTC). Convention amount: the one the signed convention states (``Convention.montant``): the
    ceiling of the grid row in force when it was created, possibly lowered by the ANS with a motive.
    A later grid version does not change it: the ANS pays what it signed, never more. ``jour`` is kept
    for the callers (the payment window is checked by ``fenetre_ouverte``). ``instantane`` (the
    declaration's last one, or None) and ``base_appel`` (the call's eligible basis) are read when not
    given: ``calculs_pour`` gives them for a whole list in two queries."""
    from declarations.selectors import base_eligible, dernier_instantane

    from .regles import euros, montant_paiement

    d = controle.declaration
    cand = d.candidature
    appel = cand.appel
    convention = getattr(cand, "convention", None)
    if instantane is _A_LIRE:
        instantane = dernier_instantane(d)
    if instantane is None:
        return CalculPaiement(erreur="La déclaration n'a aucun dépôt figé : les coûts éligibles sont inconnus.")
    if convention is None or convention.montant is None:
        return CalculPaiement(erreur="La convention de ce dossier n'indique aucun montant : le paiement ne peut pas "
                                     "être calculé.")
    general = instantane.totaux.get("general", {})
    couts = Decimal(str(general.get("eligible", "0")))
    base = instantane.base_eligible
    montant_convention = convention.montant
    origine = convention.origine_plafond or {}
    explications = []
    if convention.grille_version is not None:
        explications.append(
            f"Plafond de la structure : {euros(convention.plafond)}, ligne n° {convention.grille_ligne} de la matrice "
            f"des montants plafonds v{convention.grille_version}"
            + (f" (activité combinée {origine['tranche']})" if origine.get("tranche") else "")
            + ", en vigueur à la création de la convention.")
    if convention.montant_abaisse:
        explications.append(f"L'ANS a abaissé le montant de la convention à {euros(montant_convention)} : "
                            f"{convention.motif_montant}")
    explications.append(f"Montant de la convention n° {convention.numero} : {euros(montant_convention)}.")
    explications.append(
        f"Coûts éligibles figés au dépôt n° {instantane.numero} du {timezone.localtime(instantane.depot):%d/%m/%Y} "
        f"(base {'TTC' if base == 'ttc' else 'HT'}) : {euros(couts)} "
        f"(total HT {euros(Decimal(str(general.get('ht', '0'))))}, total TTC {euros(Decimal(str(general.get('ttc', '0'))))}).")
    m = montant_paiement(couts, montant_convention)
    explications.append(m.explication.replace("le plafond", "le montant de la convention")
                        .replace("au plafond", "au montant de la convention"))
    donnees = {
        "base_eligible": base, "base_eligible_appel": base_appel or base_eligible(appel),
        "total_ht": general.get("ht", "0"), "total_ttc": general.get("ttc", "0"), "couts_eligibles": str(couts),
        "instantane": {"id": instantane.pk, "numero": instantane.numero, "depot": instantane.depot.isoformat()},
        "convention": {"id": convention.pk, "numero": convention.numero, "montant": str(montant_convention),
                       "motif": convention.motif_montant},
        "grille": {"version": convention.grille_version, "illustrative": bool(origine.get("illustrative")),
                   "id": origine.get("grille")},
        "ligne": {"id": convention.grille_ligne, "type_structure": origine.get("type_structure", ""),
                  "tranche": origine.get("tranche", ""), "montant": origine.get("montant")}
        if convention.grille_ligne is not None else None,
        "activite_combinee": origine.get("activite_combinee"),
        "plafond_matrice": None if convention.plafond is None else str(convention.plafond),
        "plafond_convention": str(montant_convention),
        "plafond": str(montant_convention), "plafonne": m.plafonne, "montant": str(m.montant),
        "explications": explications,
    }
    return CalculPaiement(couts_eligibles=couts, plafond=montant_convention, montant=m.montant,
                          plafonne=m.plafonne, donnees=donnees)


def calculs_pour(controles: list) -> dict[int, CalculPaiement]:
    """control id → ``calcul_pour`` of each control of ``controles`` (their declaration, candidature,
    call and convention already joined): the last frozen submissions and the calls' eligible bases
    read for them all at once, so a list costs the same queries for 3 controls or 300."""
    from declarations.models import BaseEligible, Instantane, ParametresAppel

    derniers: dict[int, Instantane] = {}
    for i in Instantane.objects.filter(declaration__in=[c.declaration_id for c in controles]).order_by(
            "declaration_id", "numero"):
        derniers[i.declaration_id] = i  # the highest number wins
    appels = {c.declaration.candidature.appel_id for c in controles}
    bases = dict(ParametresAppel.objects.filter(appel__in=appels).values_list("appel_id", "base_eligible"))
    return {c.pk: calcul_pour(c, instantane=derniers.get(c.declaration_id),
                              base_appel=bases.get(c.declaration.candidature.appel_id) or BaseEligible.HT)
            for c in controles}


def fenetre_ouverte(appel: AppelAFinancement, jour: datetime.date | None = None) -> str:
    """"" inside the call's payment window, else why not (French)."""
    jour = jour or timezone.localdate()
    if jour < appel.paiement_debut:
        return (f"Les paiements de l'appel « {appel} » ouvrent le {appel.paiement_debut:%d/%m/%Y} : "
                "rien ne peut être payé avant.")
    if jour > appel.paiement_fin:
        return (f"La fenêtre de paiement de l'appel « {appel} » est close depuis le {appel.paiement_fin:%d/%m/%Y} : "
                "plus aucun paiement n'est possible.")
    return ""


def _paiements():
    from .models import Paiement

    return Paiement.objects.select_related(
        "convention__candidature__appel", "convention__candidature__ght",
        "convention__candidature__entite_juridique", "convention__candidature__region_instructrice",
        "controle", "valide_par", "ordonnance_par", "iban_verifie_par", "lot")


def paiements_pour(user):
    """The payments of the candidatures the user may open (ANS: all; ARS: its regions'; ES: its structures')."""
    from candidatures.selectors import candidatures_pour

    return _paiements().filter(convention__candidature__in=candidatures_pour(user))


def iban_modifie(paiement) -> bool:
    """The candidature's IBAN is no longer the one stored on the payment (re-verification needed)."""
    return iban_compact(paiement.convention.candidature.iban) != iban_compact(paiement.iban)


def controles_sans_paiement() -> QuerySet:
    """Validated controls that have no payment yet (oldest decision first), with what ``calculs_pour``
    needs joined (the page shows the reason when the amount cannot be computed)."""
    return (_controles_sans_paiement()
            .select_related("declaration__candidature__appel", "declaration__candidature__ght",
                            "declaration__candidature__entite_juridique", "declaration__candidature__convention")
            .order_by("decide_le", "pk"))


def _controles_sans_paiement():
    from controle.models import Controle

    return Controle.objects.filter(etat=Controle.Etat.OBJECTIFS_ATTEINTS, paiement__isnull=True)


def compter_controles_sans_paiement() -> int:
    return _controles_sans_paiement().count()


def lots():
    from .models import LotVirement

    return LotVirement.objects.select_related("cree_par", "document")


# --- the finance dashboard ------------------------------------------------------------------------------

@dataclass
class Agregat:
    libelle: str
    engage: Decimal = Decimal("0")
    conventions: int = 0
    a_valider: Decimal = Decimal("0")
    valide: Decimal = Decimal("0")  # validated, ordered or paid
    paye: Decimal = Decimal("0")
    rejete: int = 0
    paiements: int = 0

    @property
    def reste_a_payer(self) -> Decimal:
        return self.engage - self.paye


@dataclass
class TableauFinances:
    appel: AppelAFinancement
    enveloppe: Decimal
    total: Agregat
    par_region: list[Agregat]
    par_type: list[Agregat]

    @property
    def disponible(self) -> Decimal:
        return self.enveloppe - self.total.engage

    @property
    def reste_enveloppe(self) -> Decimal:
        return self.enveloppe - self.total.paye


def tableau_finances(appel: AppelAFinancement) -> TableauFinances:
    """The envelope of ``appel`` (``AppelAFinancement.enveloppe``: 65 M€ for D1) against the committed
    amounts (the amounts of the signed conventions), validated, paid and what remains; by region and by
    structure type. Four aggregate queries, whatever the number of payments."""
    from django.db.models import Count, Sum

    from conventions.models import Convention

    from .models import Paiement
    from .regles import libelle_type

    V = Paiement.Etat
    total = Agregat("Total")
    groupes: dict[str, dict[str, Agregat]] = {"region": {}, "type": {}}
    champs = {"region": "candidature__region_instructrice__nom", "type": "candidature__type_candidature"}

    def groupe(axe: str, cle) -> Agregat:
        libelle = (cle or "—") if axe == "region" else libelle_type(cle)
        return groupes[axe].setdefault(cle or "", Agregat(libelle))

    for axe, champ in champs.items():
        for row in (Convention.objects.filter(candidature__appel=appel, etat=Convention.Etat.SIGNEE)
                    .values(champ).annotate(s=Sum("montant"), n=Count("pk")).order_by()):
            a = groupe(axe, row[champ])
            a.engage += row["s"] or 0
            a.conventions += row["n"]
            if axe == "region":
                total.engage += row["s"] or 0
                total.conventions += row["n"]
        for row in (Paiement.objects.filter(convention__candidature__appel=appel)
                    .values(f"convention__{champ}", "etat").annotate(s=Sum("montant"), n=Count("pk")).order_by()):
            cibles = [groupe(axe, row[f"convention__{champ}"])] + ([total] if axe == "region" else [])
            for a in cibles:
                s = row["s"] or Decimal("0")
                a.paiements += row["n"]
                if row["etat"] == V.A_VALIDER:
                    a.a_valider += s
                elif row["etat"] in (V.VALIDE, V.ORDONNANCE, V.PAYE):
                    a.valide += s
                    if row["etat"] == V.PAYE:
                        a.paye += s
                elif row["etat"] == V.REJETE:
                    a.rejete += row["n"]
    return TableauFinances(appel=appel, enveloppe=appel.enveloppe, total=total,
                           par_region=sorted(groupes["region"].values(), key=lambda a: a.libelle),
                           par_type=sorted(groupes["type"].values(), key=lambda a: a.libelle))


def paiements_en_attente_de_lot() -> list:
    """The ordered payments not yet in a SEPA batch, with their call (what a new batch would carry)."""
    from .models import Paiement

    return list(Paiement.objects.filter(etat=Paiement.Etat.ORDONNANCE, lot__isnull=True)
                .select_related("convention__candidature__appel"))
