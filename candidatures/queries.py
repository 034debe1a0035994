"""Reads that only the candidature pages need, on top of ``selectors`` (permission-filtered there):
the ES structures and their candidatures, the ARS queue with its filters and counts, the pieces of a
dossier, the actions the user may take, and the timeline (care_portal.workflow.chronologie).

Every queryset here starts from ``selectors.candidatures_pour(user)`` or from a candidature the
view fetched through it: nothing widens what the user may see.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from care_portal.comptes.roles import Role
from care_portal.comptes.selectors import habilitations, regions_pour, structures_pour
from care_portal.referentiel.models import GHT, AppelAFinancement, EntiteJuridique
from care_portal.workflow import chronologie as timeline
from care_portal.workflow.chronologie import Evenement
from care_portal.workflow.models import TransitionLog

from . import journal, selectors, services
from .models import Candidature, PerimetreLigne
from .regles import PREUVES_PREREQUIS, ResultatPrerequis, TypeCandidature

# --- the ES side --------------------------------------------------------------------------------------


def appels_ouverts() -> list[AppelAFinancement]:
    """The calls whose candidature window contains today."""
    aujourd_hui = timezone.localdate()
    return list(
        AppelAFinancement.objects.filter(candidature_debut__lte=aujourd_hui, candidature_fin__gte=aujourd_hui)
        .order_by("candidature_fin", "code")
    )


@dataclass
class StructureEs:
    structure: GHT | EntiteJuridique
    roles: list[str]
    candidatures: list[Candidature]
    appels_a_ouvrir: list[AppelAFinancement]  # open calls without a candidature of this structure

    @property
    def est_ght(self) -> bool:
        return isinstance(self.structure, GHT)

    @property
    def est_referent(self) -> bool:
        return Role.REFERENT_ES in self.roles

    @property
    def cle(self) -> str:
        return f"{'ght' if self.est_ght else 'ej'}:{self.structure.pk}"

    @property
    def libelle(self) -> str:
        s = self.structure
        return f"{s.code} – {s.nom}" if self.est_ght else s.raison_sociale


def structures_es(user) -> list[StructureEs]:
    """The structures the user belongs to as an ES member, each with its candidatures."""
    h = habilitations(user)
    ejs, ghts = structures_pour(user)
    roles: dict[tuple[str, int], list[str]] = {}
    for r in h.rattachements:
        if r.ght_id:
            roles.setdefault(("ght", r.ght_id), []).append(r.role)
        elif r.entite_juridique_id:
            roles.setdefault(("ej", r.entite_juridique_id), []).append(r.role)
    candidatures = list(
        selectors.candidatures_pour(user).filter(Q(ght__in=ghts) | Q(ght__isnull=True, entite_juridique__in=ejs))
        .order_by("-appel__candidature_debut", "pk")
    )
    ouverts = appels_ouverts()
    resultat = []
    structures = [("ght", g) for g in ghts.select_related("support").order_by("code")] + [
        ("ej", e) for e in ejs.select_related("departement").order_by("raison_sociale")
    ]
    for genre, s in structures:
        if genre == "ght":
            siennes = [c for c in candidatures if c.ght_id == s.pk]
        else:
            siennes = [c for c in candidatures if c.ght_id is None and c.entite_juridique_id == s.pk]
        deja = {c.appel_id for c in siennes}
        resultat.append(StructureEs(
            structure=s, roles=roles.get((genre, s.pk), []), candidatures=siennes,
            appels_a_ouvrir=[a for a in ouverts if a.pk not in deja],
        ))
    return resultat


def structure_es_ou_none(user, cle: str) -> GHT | EntiteJuridique | None:
    """``"ght:12"`` / ``"ej:34"`` → that structure if the user is an ES member of it, else None."""
    genre, _, pk = (cle or "").partition(":")
    if not pk.isdigit():
        return None
    ejs, ghts = structures_pour(user)
    qs = ghts if genre == "ght" else ejs if genre == "ej" else None
    return qs.filter(pk=int(pk)).first() if qs is not None else None


# --- the ARS queue ------------------------------------------------------------------------------------

TAILLE_PAGE = 25


def regions_de_la_file(user):
    """The regions whose queue the user sees: the ARS agent's own, every region for the ANS."""
    h = habilitations(user)
    qs = regions_pour(user)
    if not h.est_ans:
        qs = qs.filter(pk__in=h.region_ids)
    return qs.order_by("nom")


def file_instruction(user, filtres: dict[str, Any] | None = None, *, avec_etat: bool = True) -> QuerySet[Candidature]:
    """The candidatures of the user's regions (ANS: all), filtered, oldest submission first; each
    row carries what the table shows (no per-row query)."""
    filtres = filtres or {}
    qs = selectors.candidatures_pour(user).filter(region_instructrice__in=regions_de_la_file(user))
    if avec_etat:
        etat = filtres.get("etat")
        qs = qs.filter(etat=etat) if etat else qs.exclude(etat=Candidature.Etat.BROUILLON)
    if filtres.get("type"):
        qs = qs.filter(type_candidature=filtres["type"])
    if filtres.get("departement"):
        qs = qs.filter(entite_juridique__departement=filtres["departement"])
    if filtres.get("region"):
        qs = qs.filter(region_instructrice=filtres["region"])
    recherche = (filtres.get("q") or "").strip()
    if recherche:
        compact = "".join(recherche.split())
        lignes = PerimetreLigne.objects.filter(candidature=OuterRef("pk")).filter(
            Q(finess=compact) | Q(libelle__icontains=recherche)
        )
        qs = qs.filter(
            Q(entite_juridique__raison_sociale__icontains=recherche) | Q(entite_juridique__finess=compact)
            | Q(ght__nom__icontains=recherche) | Q(ght__code__iexact=recherche) | Exists(lignes)
        )
    if filtres.get("tri") == "-depot":
        ordre = [F("deposee_le").desc(nulls_last=True), "-cree_le", "-pk"]
    else:
        ordre = [F("deposee_le").asc(nulls_last=True), "cree_le", "pk"]
    return qs.order_by(*ordre)


def avec_nb_lignes(candidatures) -> list[Candidature]:
    """The rows of one page of the queue, each with ``nb_lignes`` (its included perimeter lines): one
    aggregate over the page's ids, after the pagination (never over the whole queue)."""
    rangs = list(candidatures)
    nombres = dict(PerimetreLigne.objects.filter(candidature__in=[c.pk for c in rangs], inclus=True).order_by()
                   .values_list("candidature").annotate(n=Count("pk")).values_list("candidature", "n"))
    for c in rangs:
        c.nb_lignes = nombres.get(c.pk, 0)
    return rangs


def compter_par_etat(user, filtres: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Counts per state of the queue (the other filters applied), in the order of the states."""
    filtres = {k: v for k, v in (filtres or {}).items() if k != "etat"}
    qs = file_instruction(user, filtres, avec_etat=False).order_by()
    comptes = dict(qs.values_list("etat").annotate(n=Count("pk")).values_list("etat", "n"))
    return [{"etat": etat, "libelle": libelle, "nombre": comptes.get(etat, 0)}
            for etat, libelle in Candidature.Etat.choices]


# --- the dossier ------------------------------------------------------------------------------------


def est_membre_es(user, c: Candidature) -> bool:
    h = habilitations(user)
    return c.ght_id in h.ght_ids if c.ght_id else c.entite_juridique_id in h.ej_ids


def actions_possibles(user, c: Candidature) -> set[str]:
    """What the user may do now: the state machine's transitions (django-fsm) × the service's rights."""
    disponibles = {t.name for t in c.get_available_etat_transitions()}
    actions: set[str] = set()
    if c.modifiable_par_es and services.peut_editer(user, c):
        actions.add("enregistrer")
    if services.peut_deposer(user, c):
        if c.modifiable_par_es:
            actions.add("perimetre")
        actions |= disponibles & {"deposer", "retirer"}
    if services.peut_instruire(user, c):
        actions |= disponibles & {"demander_complement", "declarer_complete", "rejeter"}
    if services.cote_de(user, c) is not None:
        actions.add("message")
    return actions


def documents_du_dossier(c: Candidature) -> list:
    """The current documents of the candidature and of its perimeter lines (who uploaded them too)."""
    from care_portal.documents.models import Document

    lignes = [str(pk) for pk in c.perimetre.values_list("pk", flat=True)]
    ct_c = ContentType.objects.get_for_model(Candidature)
    ct_l = ContentType.objects.get_for_model(PerimetreLigne)
    return list(
        Document.objects.filter(Q(content_type=ct_c, object_id=str(c.pk)) | Q(content_type=ct_l, object_id__in=lignes))
        .courants().select_related("depose_par", "content_type").order_by("depose_le", "pk")
    )


LIBELLES_PIECES = {**selectors.DOCUMENTS_CANDIDATURE, **PREUVES_PREREQUIS, "recepisse": "Récépissé de dépôt"}


def decrire_documents(c: Candidature, documents: list, lignes: list[PerimetreLigne]) -> list:
    """Give each document the label of its piece and the structure it concerns (for the table)."""
    libelles = {str(ligne.pk): f"{ligne.libelle} ({ligne.finess})" for ligne in lignes}
    for d in documents:
        d.piece_libelle = LIBELLES_PIECES.get(d.categorie, d.categorie.replace("_", " ").capitalize())
        d.concerne = (libelles.get(d.object_id, "") if d.content_type.model == "perimetreligne"
                      else c.structure_libelle)
    return documents


@dataclass
class Piece:
    """One expected piece of the dossier, with its current document if any."""

    categorie: str
    libelle: str
    champ: str  # the file input's name in the draft form
    document: Any = None
    requise: bool = True
    aide: str = ""
    erreur: str = ""  # the refusal of the last upload, shown on the input


def _par_proprietaire(documents: list) -> dict[tuple[str, str, str], Any]:
    """(model, object_id, categorie) → the latest current document."""
    index: dict[tuple[str, str, str], Any] = {}
    for d in documents:
        cle = (d.content_type.model, d.object_id, d.categorie)
        if cle not in index or (d.depose_le, d.version) >= (index[cle].depose_le, index[cle].version):
            index[cle] = d
    return index


def pieces_candidature(c: Candidature, documents: list) -> list[Piece]:
    index = _par_proprietaire(documents)
    pieces = [Piece("rib", selectors.DOCUMENTS_CANDIDATURE["rib"], "piece-rib")]
    if c.type_candidature == TypeCandidature.GHT:
        pieces.append(Piece("convention_constitutive", selectors.DOCUMENTS_CANDIDATURE["convention_constitutive"],
                            "piece-convention_constitutive"))
        pieces.append(Piece(
            "decision_support", selectors.DOCUMENTS_CANDIDATURE["decision_support"], "piece-decision_support",
            requise=c.decision_support_requise,
            aide="Nécessaire quand la convention constitutive n'autorise pas le support à candidater "
                 "pour toutes les entités juridiques du GHT.",
        ))
    for p in pieces:
        p.document = index.get(("candidature", str(c.pk), p.categorie))
    return pieces


@dataclass
class LignePrerequis:
    ligne: PerimetreLigne
    verdict: Any  # regles.VerdictStructure, None for a line outside the perimeter
    pieces: list[Piece] = field(default_factory=list)
    erreur_date: str = ""  # the refusal of the audit date typed last
    date_saisie: str | None = None  # what was typed, shown back after a refusal

    @property
    def champ_date(self) -> str:
        """The input of the cyber-surveillance audit's date, beside the attestation."""
        return f"date-audit-{self.ligne.pk}"

    @property
    def preuves_attendues(self) -> bool:
        return bool(self.verdict and self.verdict.requise and not self.verdict.structure.sunes_valide)


def prerequis_par_ligne(lignes: list[PerimetreLigne], resultat: ResultatPrerequis,
                        documents: list) -> list[LignePrerequis]:
    """The checker's verdict per perimeter line, with the five proofs of each line that must give them."""
    index = _par_proprietaire(documents)
    verdicts = {v.structure.cle: v for v in resultat.verdicts}
    sortie = []
    for ligne in lignes:
        lp = LignePrerequis(ligne=ligne, verdict=verdicts.get(ligne.cle))
        if lp.verdict is None and ligne.inclus:
            continue  # a line the checker does not judge (a public EJ's EG: its prerequisites are the EJ's)
        if lp.preuves_attendues or any(("perimetreligne", str(ligne.pk), cat) in index for cat in PREUVES_PREREQUIS):
            lp.pieces = [
                Piece(cat, libelle, f"piece-{ligne.pk}-{cat}", document=index.get(("perimetreligne", str(ligne.pk), cat)),
                      requise=lp.preuves_attendues)
                for cat, libelle in PREUVES_PREREQUIS.items()
            ]
        sortie.append(lp)
    return sortie


# --- the thread -------------------------------------------------------------------------------------


def fil_de_discussion(c: Candidature) -> list:
    """The dossier's messages, oldest first, each with its attachments (``pieces``): two queries."""
    from care_portal.documents.models import Document

    from .models import Message

    messages = list(Message.objects.filter(candidature=c).select_related("auteur").order_by("cree_le", "pk"))
    pieces: dict[str, list] = {}
    if messages:
        ct = ContentType.objects.get_for_model(Message)
        for d in (Document.objects.filter(content_type=ct, object_id__in=[str(m.pk) for m in messages])
                  .select_related("depose_par").order_by("depose_le", "pk")):
            pieces.setdefault(d.object_id, []).append(d)
    for m in messages:
        m.candidature = c  # auteur_libelle reads it: no query per message
        m.pieces = pieces.get(str(m.pk), [])
    return messages


# --- the timeline -------------------------------------------------------------------------------------


def chronologie(c: Candidature, messages: list | None = None,
                lignes: list[PerimetreLigne] | None = None) -> list[Evenement]:
    """The dossier's history through the one timeline service: the log of the candidature and of its
    perimeter lines (``lignes``: the view's, else read here; sentences registered in journal.py), the
    messages' text, and the notifications sent about it (never the addresses), most recent first."""
    messages_par_id = {m.pk: m for m in messages or []}

    def ajuster(row: TransitionLog, e: Evenement) -> None:
        if row.code == "candidatures.candidature.deposee" and row.etat_source == Candidature.Etat.COMPLEMENT_DEMANDE:
            e.titre = journal.TITRE_COMPLEMENT_DEPOSE
        elif row.code == "candidatures.message.envoye":
            message = messages_par_id.get(e.donnees.get("message"))
            e.titre = f"Message {journal.COTES.get(e.donnees.get('cote'), '')}".strip()
            e.detail = message.corps if message is not None else ""

    lignes = list(c.perimetre.all()) if lignes is None else lignes
    return timeline.chronologie([c, *lignes], dossier=c, notifications=True, ajuster=ajuster)
