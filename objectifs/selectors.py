"""Reads of the objectives (STYLE.md: selectors read, permission-filtered).

- ``seuils(appel=None)``: the rules engine's ``Seuils`` built from the ``Seuil`` rows (code → value):
  the defaults, overridden by the rows of ``appel`` (settings of the call).
- ``candidatures_avec_preuves(qs)``: a candidature queryset with every piece of evidence prefetched:
  a constant number of queries whatever the number of dossiers, ADs or audits (10 for the lot).
- ``dossier_de(candidature, date=None)`` → ``donnees.Dossier``; ``verdicts_de(candidature, date=None)``.
- ``candidature_objectifs_ou_404(user, pk)``: the dossier if the user may see its objectives.
- ``tableau(candidature, date=None)``: what the objectives page shows, card by card.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone

from candidatures.models import Candidature, PerimetreLigne
from candidatures.selectors import candidatures_pour
from care_portal.comptes.selectors import obtenir_ou_404
from care_portal.core import format_fr
from care_portal.documents.models import Document

from . import donnees
from .models import ActiveDirectory, AuditADS, AuditExposition, Budget, ElementExpose, Objectif, Seuil
from .regles import evaluer, pourcent
from .services import ETATS_PREUVES

TAILLE_LOT = 200  # dossiers evaluated per batch of prefetch queries (``evaluer_objectifs --all``)


def seuils(appel=None) -> donnees.Seuils:
    """The thresholds of the referential (admin-editable rows) for ``appel`` (an ``AppelAFinancement`` or
    its pk): the default rows, then that call's rows over them; a code missing keeps its D1 default."""
    appel_id = getattr(appel, "pk", appel)
    lignes = Seuil.objects.filter(Q(appel_id__isnull=True) | Q(appel_id=appel_id)) if appel_id is not None else \
        Seuil.objects.filter(appel_id__isnull=True)
    return _seuils_de(list(lignes.values_list("appel_id", "code", "valeur")), appel_id)


def _seuils_de(lignes: list[tuple[int | None, str, Decimal]], appel_id: int | None) -> donnees.Seuils:
    valeurs = {code: valeur for a, code, valeur in lignes if a is None}
    valeurs.update({code: valeur for a, code, valeur in lignes if a is not None and a == appel_id})
    return donnees.Seuils.depuis_dict(valeurs)


def objectifs() -> list[Objectif]:
    return list(Objectif.objects.order_by("ordre", "code"))


def candidatures_avec_preuves(qs: QuerySet[Candidature] | None = None) -> QuerySet[Candidature]:
    """``qs`` (default: every candidature) with the evidence the rules and the page read, prefetched."""
    qs = Candidature.objects.all() if qs is None else qs
    return qs.select_related(
        "appel", "ght", "entite_juridique", "region_instructrice",
        "gouvernance_ght__schema_gouvernance", "gouvernance_ght__equipe_projet", "gouvernance_ght__schema_directeur",
        "convergence_ad__document",
    ).prefetch_related(
        Prefetch("perimetre", queryset=PerimetreLigne.objects.order_by("-est_support", "-activite_combinee",
                                                                         "finess")),
        Prefetch("active_directories", queryset=ActiveDirectory.objects.annotate(
            a_description=Exists(Document.objects.courants().filter(
                content_type=ContentType.objects.get_for_model(ActiveDirectory),
                object_id=Cast(OuterRef("pk"), CharField()), categorie="description_infrastructure"))
        ).order_by("nom", "pk").prefetch_related(
            Prefetch("structures", queryset=PerimetreLigne.objects.only("pk", "finess", "libelle")),
            Prefetch("audits", queryset=AuditADS.objects.select_related("rapport").order_by("date", "pk")),
        )),
        Prefetch("audits_exposition", queryset=AuditExposition.objects.select_related("rapport").annotate(
            nb_elements=Count("elements"),
            nb_domaines=Count("elements", filter=Q(elements__type=ElementExpose.Type.DOMAINE)),
            nb_ip=Count("elements", filter=Q(elements__type=ElementExpose.Type.IP))).order_by(
            "date", "pk").prefetch_related(
            Prefetch("structures", queryset=PerimetreLigne.objects.only("pk", "finess", "libelle")))),
        Prefetch("exercices_crise", queryset=_exercices()),
        "osis", "budgets",
        Prefetch("convergence_ad__structures", queryset=PerimetreLigne.objects.only("pk", "finess", "libelle")),
    )


def _exercices():
    from .models import ExerciceCrise

    return ExerciceCrise.objects.select_related("document").order_by("date", "pk")


def _jour(instant: datetime.datetime | None) -> datetime.date | None:
    return timezone.localdate(instant) if instant is not None else None


def _structure(ligne: PerimetreLigne, lignes_ej: dict[int, int]) -> donnees.Structure:
    """``lignes_ej``: the perimeter's EJ lines by EJ id, so that an EG is tied to its EJ's line when the
    perimeter has one (evidence on the EJ then covers its EG, and the reverse)."""
    if ligne.etablissement_id:
        return donnees.Structure(id=ligne.pk, finess=ligne.finess, nom=ligne.libelle, niveau=donnees.Niveau.EG,
                                 activite=ligne.activite_combinee, est_support=ligne.est_support,
                                 ej_id=lignes_ej.get(ligne.entite_juridique_id, f"ej{ligne.entite_juridique_id}"))
    return donnees.Structure(id=ligne.pk, finess=ligne.finess, nom=ligne.libelle, niveau=donnees.Niveau.EJ,
                             activite=ligne.activite_combinee, est_support=ligne.est_support)


def construire_dossier(c: Candidature, date: datetime.date | None = None) -> donnees.Dossier:
    """``c`` (from ``candidatures_avec_preuves``: no query here) as the rules engine's Dossier."""
    incluses = [ligne for ligne in c.perimetre.all() if ligne.inclus]
    ids = {ligne.pk for ligne in incluses}
    lignes_ej = {ligne.entite_juridique_id: ligne.pk for ligne in incluses if not ligne.etablissement_id}
    annuaires, audits_ads = [], []
    for ad in c.active_directories.all():
        annuaires.append(donnees.Annuaire(id=ad.pk, nom=ad.nom,
                                          structures={s.pk for s in ad.structures.all() if s.pk in ids},
                                          description=bool(getattr(ad, "a_description", False))))
        audits_ads.extend(donnees.AuditADS(id=a.pk, annuaire_id=ad.pk, date=a.date, score=a.score,
                                           rapport=a.rapport_id is not None) for a in ad.audits.all())
    audits_exposition = [
        donnees.AuditExposition(
            id=a.pk, date=a.date, outil=donnees.Outil(a.outil), structures={s.pk for s in a.structures.all()},
            critiques=a.vulnerabilites_critiques, hautes=a.vulnerabilites_hautes,
            moyennes=a.vulnerabilites_moyennes, faibles=a.vulnerabilites_faibles, rapport=a.rapport_id is not None,
            domaines=getattr(a, "nb_domaines", 0), adresses_ip=getattr(a, "nb_ip", 0))
        for a in c.audits_exposition.all()
    ]
    exercices = [donnees.ExerciceCrise(id=e.pk, structure_id=e.structure_id, date=e.date, kit=donnees.Kit(e.kit) if e.kit else None,
                                       preuve=e.document_id is not None) for e in c.exercices_crise.all()]
    osis = [donnees.SaisieOsis(structure_id=o.structure_id, renseigne=True, date=o.date,
                               part_budget_numerique=o.part_budget_renseignee,
                               mesures_prioritaires=o.mesures_prioritaires) for o in c.osis.all()]
    budgets = [donnees.Budget(structure_id=b.structure_id, budget_general=b.budget_general,
                              budget_numerique=b.budget_numerique, etp_securite=b.etp_securite)
               for b in c.budgets.all()]
    gouvernance = convergence = None
    g = getattr(c, "gouvernance_ght", None) if _a_relation(c, "gouvernance_ght") else None
    if g is not None:
        gouvernance = donnees.GouvernanceGHT(
            referent_nom=g.referent_projet, referent_nomme_par_directeur=g.referent_nomme_par_directeur,
            equipe_ad_unique=g.equipe_ad_unique, sdsi_volet_organisationnel=g.sdsi_volet_organisationnel,
            sdsi_volet_technique=g.sdsi_volet_technique, schema_gouvernance=g.schema_gouvernance_id is not None,
            equipe_projet=g.equipe_projet_id is not None)
    v = getattr(c, "convergence_ad", None) if _a_relation(c, "convergence_ad") else None
    if v is not None:
        convergence = donnees.ConvergenceAD(
            document=v.document_id is not None, validee_dsi_support=v.valide_dsi,
            validee_comite_strategique=v.valide_comite, date_convergence_prevue=v.date_convergence,
            budget_previsionnel=v.budget, deja_convergee=v.deja_convergee, description_convergee=v.description,
            responsable=v.responsable, equipes_mutualisees=v.equipes_mutualisees,
            structures={s.pk for s in v.structures.all() if s.pk in ids})
    return donnees.Dossier(
        type_dossier=c.type_candidature, date_reference=date or timezone.localdate(),
        debut_phase=_jour(c.premiere_depose_le),
        appel=donnees.Appel(candidature_debut=c.appel.candidature_debut, candidature_fin=c.appel.candidature_fin),
        structures=[_structure(ligne, lignes_ej) for ligne in incluses], annuaires=annuaires, audits_ads=audits_ads,
        audits_exposition=audits_exposition, exercices=exercices, osis=osis, budgets=budgets,
        gouvernance=gouvernance, convergence=convergence,
    )


def _a_relation(c: Candidature, nom: str) -> bool:
    """A reverse one-to-one is loaded by select_related; absent, reading it raises DoesNotExist."""
    try:
        getattr(c, nom)
    except Exception:  # noqa: BLE001 — RelatedObjectDoesNotExist of the related model
        return False
    return True


def dossier_de(candidature: Candidature, *, date: datetime.date | None = None) -> donnees.Dossier:
    """The Dossier of one candidature (10 queries, whatever its number of ADs and audits)."""
    c = candidatures_avec_preuves(Candidature.objects.filter(pk=candidature.pk)).get()
    return construire_dossier(c, date)


def verdicts_de(candidature: Candidature, date: datetime.date | None = None, *,
                seuils_: donnees.Seuils | None = None) -> list:
    return evaluer(dossier_de(candidature, date=date), seuils_ or seuils(candidature.appel_id))


def evaluer_lots(candidatures: QuerySet[Candidature], date: datetime.date | None = None, *,
                 taille: int = TAILLE_LOT) -> Iterator[tuple[Candidature, list]]:
    """(candidature, verdicts) for each of ``candidatures``, by batches of ``taille``: a constant
    number of queries per batch (the thresholds are read once)."""
    lignes_seuils = list(Seuil.objects.values_list("appel_id", "code", "valeur"))  # one query for every call
    par_appel: dict[int, donnees.Seuils] = {}
    pks = list(candidatures.order_by("pk").values_list("pk", flat=True))
    for i in range(0, len(pks), taille):
        lot = candidatures_avec_preuves(Candidature.objects.filter(pk__in=pks[i:i + taille]).order_by("pk"))
        for c in lot:
            if c.appel_id not in par_appel:
                par_appel[c.appel_id] = _seuils_de(lignes_seuils, c.appel_id)
            yield c, evaluer(construire_dossier(c, date), par_appel[c.appel_id])


def candidatures_evaluables() -> QuerySet[Candidature]:
    """The candidatures whose objectives are followed: submitted at least once, neither rejected nor withdrawn."""
    return Candidature.objects.filter(etat__in=ETATS_PREUVES)


# --- the page -----------------------------------------------------------------------------------------

def candidature_objectifs_ou_404(user, pk: int) -> Candidature:
    """The candidature ``pk`` with its evidence, if ``user`` may see it (ES of the structure, the
    instructing ARS, the ANS) and it has been submitted; else 404."""
    qs = candidatures_pour(user).filter(etat__in=ETATS_PREUVES)
    return obtenir_ou_404(candidatures_avec_preuves(qs), pk=pk)


@dataclass
class Carte:
    """One objective on the page: the referential row, its verdict, the evidence it reads."""

    objectif: Objectif
    verdict: object | None
    preuves: list[str] = field(default_factory=list)

    @property
    def ancre(self) -> str:
        return "objectif-" + self.objectif.code.lower().replace(".", "-")


def _date(d: datetime.date | None) -> str:
    return f"{d:%d/%m/%Y}" if d else "—"


def _euros(montant: Decimal | None) -> str:
    return format_fr.montant(montant)


def part_numerique_texte(b: Budget) -> str:
    """The same figure as the D1.O5 verdict (« 2,4 % », rounded down), with a no-break space before %."""
    return pourcent(b.budget_numerique / b.budget_general).replace(" %", "\u00a0%")


def _oui_non(valeur: bool | None) -> str:
    return "non indiqué" if valeur is None else "oui" if valeur else "non"


def preuves_par_objectif(c: Candidature) -> dict[str, list[str]]:
    """The evidence each objective reads, as French lines (from the prefetched candidature)."""
    lignes = {ligne.pk: ligne for ligne in c.perimetre.all()}
    ads, scores = [], []
    for ad in c.active_directories.all():
        servies = ", ".join(s.libelle for s in ad.structures.all()) or "aucun établissement"
        audits = list(ad.audits.all())
        ads.append(f"AD « {ad.nom} » ({servies}) : " + (
            ", ".join(f"audit du {_date(a.date)}" for a in audits) if audits else "aucun audit ADS saisi")
            + " ; description de l'infrastructure et des interconnexions "
            + ("déposée." if getattr(ad, "a_description", False) else "non déposée."))
        scores.extend(f"AD « {ad.nom} » : score {a.score} au {_date(a.date)}." for a in audits)
    expositions = []
    for a in c.audits_exposition.all():
        couverts = ", ".join(s.libelle for s in a.structures.all())
        expositions.append(f"Audit du {_date(a.date)} ({a.libelle_outil}) sur {couverts} : "
                           f"{a.vulnerabilites_critiques} critique{format_fr.s(a.vulnerabilites_critiques)}, {a.vulnerabilites_hautes} haute{format_fr.s(a.vulnerabilites_hautes)} ; périmètre "
                           f"déclaré : {getattr(a, 'nb_domaines', 0)} domaine{format_fr.s(getattr(a, 'nb_domaines', 0))} exposé{format_fr.s(getattr(a, 'nb_domaines', 0))}, "
                           f"{getattr(a, 'nb_ip', 0)} adresse{format_fr.s(getattr(a, 'nb_ip', 0))} IP publique{format_fr.s(getattr(a, 'nb_ip', 0))}.")
    exercices = [f"{lignes[e.structure_id].libelle if e.structure_id in lignes else 'Établissement'} : exercice du "
                 f"{_date(e.date)}, kit {format_fr.minuscule_initiale(e.get_kit_display())}, {format_fr.minuscule_initiale(e.get_type_preuve_display())} "
                 f"({e.get_fournisseur_display()})." for e in c.exercices_crise.all()]
    osis = [f"{lignes[o.structure_id].libelle if o.structure_id in lignes else 'Établissement'} : saisi le "
            f"{_date(o.date)}, part du budget numérique {'renseignée' if o.part_budget_renseignee else 'non renseignée'}"
            f", {o.mesures_prioritaires} mesure{format_fr.s(o.mesures_prioritaires)} prioritaire{format_fr.s(o.mesures_prioritaires)} sur 43." for o in c.osis.all()]
    budgets = [f"{lignes[b.structure_id].libelle if b.structure_id in lignes else 'Établissement'} : budget général "
               f"{_euros(b.budget_general)}, numérique {_euros(b.budget_numerique)} ({part_numerique_texte(b)}), "
               f"{b.etp_securite} ETP sécurité." for b in c.budgets.all()]
    gouvernance, convergence = [], []
    if _a_relation(c, "gouvernance_ght"):
        g = c.gouvernance_ght
        gouvernance.append(f"Référent projet : {g.referent_projet or 'non nommé'} ; nommé par le directeur de "
                           f"l'établissement support : {_oui_non(g.referent_nomme_par_directeur)} ; équipe AD unique : "
                           f"{_oui_non(g.equipe_ad_unique)}.")
        gouvernance.append(f"Sujets AD intégrés au schéma directeur de convergence des SI : volet organisationnel "
                           f"{_oui_non(g.sdsi_volet_organisationnel)}, volet technique "
                           f"{_oui_non(g.sdsi_volet_technique)} ; extrait du schéma directeur "
                           f"{'déposé' if g.schema_directeur_id else 'non déposé'}.")
        gouvernance.append(f"Schéma de gouvernance {'déposé' if g.schema_gouvernance_id else 'non déposé'} ; "
                           f"équipe projet {'déposée' if g.equipe_projet_id else 'non déposée'}.")
    if _a_relation(c, "convergence_ad"):
        v = c.convergence_ad
        if v.deja_convergee:
            convergence.append("AD déjà convergé" + (f" : {v.description}" if v.description else "") + ".")
        else:
            convergence.append(f"Trajectoire : convergence prévue le {_date(v.date_convergence)}, budget "
                               f"{_euros(v.budget)}, validée par le DSI du support : {_oui_non(v.valide_dsi)}"
                               f", par le comité stratégique : {_oui_non(v.valide_comite)}.")
            convergence.append(f"Modalités organisationnelles : responsable {v.responsable or 'non nommé'}, équipes SI "
                               f"mutualisées : {_oui_non(v.equipes_mutualisees)}.")
        adresses = ", ".join(s.libelle for s in v.structures.all()) or "non indiqués"
        convergence.append(f"Établissements adressés : {adresses}.")
        convergence.append("Document " + ("déposé." if v.document_id else "non déposé."))
    par_objectif = {"D1.O1.A": ads, "D1.O1.B": scores, "D1.O2.A": expositions, "D1.O2.B": expositions,
                    "D1.O3": exercices, "D1.O4": osis, "D1.O5": budgets, "D1.O6.A": gouvernance,
                    "D1.O6.B": convergence}
    return {code: [format_fr.typographie(ligne) for ligne in lignes_] for code, lignes_ in par_objectif.items()}


def tableau(c: Candidature, date: datetime.date | None = None) -> list[Carte]:
    """One card per objective that applies to ``c`` (prefetched), with its verdict and its evidence."""
    verdicts = {v.code: v for v in evaluer(construire_dossier(c, date), seuils(c.appel_id))}
    preuves = preuves_par_objectif(c)
    return [Carte(objectif=o, verdict=verdicts.get(o.code), preuves=preuves.get(o.code, []))
            for o in objectifs() if o.s_applique_a(c.type_candidature)]


def structures_incluses(c: Candidature) -> list[PerimetreLigne]:
    return [ligne for ligne in c.perimetre.all() if ligne.inclus]
