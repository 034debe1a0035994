"""Reads of the controls, permission-filtered (README: the access pattern). A control is visible to
whoever may see its declaration (ES of the structure, the instructing ARS, the ANS); the planning is
the ANS's, and counts in a fixed number of queries whatever the number of controls."""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from candidatures.services import peut_editer
from care_portal.comptes.models import Rattachement
from care_portal.comptes.roles import Role
from care_portal.comptes.selectors import habilitations
from care_portal.documents.models import Document
from declarations.selectors import declarations_pour

from . import regles
from .models import Controle, PieceControle, VerdictObjectif

CATEGORIE_REPONSE = "reponse"
TAILLE_PAGE = 50


def controles_pour(user) -> QuerySet[Controle]:
    return Controle.objects.filter(declaration__in=declarations_pour(user)).select_related(
        "declaration__candidature__appel", "declaration__candidature__ght",
        "declaration__candidature__entite_juridique", "declaration__candidature__region_instructrice",
        "decide_par",
    )


def controles_repondables_pour(user) -> QuerySet[Controle]:
    """The controls awaiting information from a structure where ``user`` is référent, DSI or RSSI: the
    only owners to which they may add an answer's documents."""
    if not habilitations(user).est_es:
        return Controle.objects.none()
    ids = [c.pk for c in controles_pour(user).filter(etat=Controle.Etat.INFORMATIONS_DEMANDEES)
           if peut_editer(user, c.declaration.candidature)]
    return Controle.objects.filter(pk__in=ids)


def controleurs_ans() -> QuerySet:
    """The active users with a confirmed controller ANS membership, by name."""
    ids = Rattachement.objects.filter(role=Role.CONTROLEUR_ANS, etat=Rattachement.Etat.CONFIRME).values(
        "utilisateur_id")
    return get_user_model().objects.filter(pk__in=ids, is_active=True).order_by("nom", "prenom", "email")


def est_controleur(user) -> bool:
    return Role.CONTROLEUR_ANS in habilitations(user).roles


def est_assigne(user, controle: Controle) -> bool:
    return est_controleur(user) and controle.controleurs.filter(pk=user.pk).exists()


def emails_contacts(controle: Controle) -> list[str]:
    """The ES contacts named in the candidature: référent CaRE, DSI, RSSI."""
    c = controle.declaration.candidature
    return sorted({e for e in (c.referent_email, c.dsi_email, c.rssi_email) if e})


def emails_controleurs(controle: Controle) -> list[str]:
    return sorted({u.email for u in controle.controleurs.all() if u.email and u.is_active})


def fenetre(controle: Controle) -> regles.Fenetre:
    d = controle.declaration
    debut = timezone.localdate(d.decidee_le) if d.decidee_le else timezone.localdate()
    return regles.Fenetre(debut=debut, fin=d.candidature.appel.controle_fin)


def commencement_refuse(controle: Controle) -> list[str]:
    """Why the control cannot start today (empty: it can), by the rule the service applies."""
    prevue = timezone.localdate(controle.date_prevue) if controle.date_prevue else None
    return regles.verifier_commencement(prevue, timezone.localdate())


def grille(controle: Controle) -> list[VerdictObjectif]:
    return list(controle.verdicts.select_related("modifie_par").order_by("ordre", "code"))


def lignes_grille(verdicts: list[VerdictObjectif]) -> list[regles.LigneGrille]:
    return [regles.LigneGrille(code=v.code, titre=v.titre, verdict=v.verdict, commentaire=v.commentaire)
            for v in verdicts]


def preuves_declarees(controle: Controle) -> dict[str, Any]:
    """What the ES declared at its last submission: evidence lines per objective, documents."""
    from declarations.selectors import dernier_instantane

    i = dernier_instantane(controle.declaration)
    if i is None:
        return {"preuves": {}, "documents": []}
    return {"preuves": i.preuves or {}, "documents": (i.documents or {}).get("preuves", [])}


def pieces_de(controle: Controle) -> dict[str, Document]:
    return {p.genre: p.document for p in PieceControle.objects.filter(controle=controle).select_related("document")}


def reponses_de(controle: Controle) -> list[Document]:
    return list(Document.objects.du_proprietaire(controle, CATEGORIE_REPONSE).courants().select_related(
        "depose_par").order_by("depose_le"))


# --- the ANS planning ---------------------------------------------------------------------------

@dataclass
class Planning:
    controles: list[Controle]  # the page asked for (PAR_PAGE controls), never a silent cut
    par_etat: dict[str, int]
    charge: list[dict]  # one per controller: name, open controls, by state
    en_retard: list[Controle]  # the page asked for (``page_retard``) of the late controls
    semaines: list[str] = field(default_factory=list)
    page_obj: Any = None
    retard_page_obj: Any = None  # its page, with the count of every late control


def semaine_iso(moment: datetime.datetime | None) -> str:
    if moment is None:
        return ""
    annee, semaine, _ = timezone.localtime(moment).isocalendar()
    return f"{annee}-S{semaine:02d}"


def bornes_semaine(texte: str) -> tuple[datetime.datetime, datetime.datetime] | None:
    """« 2025-S14 » → [Monday 00:00, next Monday 00:00) in Europe/Paris, or None when malformed."""
    try:
        annee, semaine = texte.split("-S")
        lundi = datetime.date.fromisocalendar(int(annee), int(semaine), 1)
    except ValueError:
        return None
    debut = timezone.make_aware(datetime.datetime.combine(lundi, datetime.time()))
    return debut, debut + datetime.timedelta(days=7)


def _filtrer(qs: QuerySet[Controle], filtres: dict[str, Any]) -> QuerySet[Controle]:
    if filtres.get("etat"):
        qs = qs.filter(etat=filtres["etat"])
    if filtres.get("controleur"):
        qs = qs.filter(controleurs=filtres["controleur"])
    if filtres.get("semaine"):
        bornes = bornes_semaine(filtres["semaine"])
        qs = qs.filter(date_prevue__gte=bornes[0], date_prevue__lt=bornes[1]) if bornes else qs.none()
    return qs


def en_retard(qs: QuerySet[Controle], aujourd_hui: datetime.date | None = None) -> QuerySet[Controle]:
    """Open controls past the call's end of controls: not closed after it, or planned after it."""
    aujourd_hui = aujourd_hui or timezone.localdate()
    return qs.exclude(etat__in=Controle.ETATS_CLOS).filter(
        Q(declaration__candidature__appel__controle_fin__lt=aujourd_hui)
        | Q(date_prevue__date__gt=F("declaration__candidature__appel__controle_fin")))


PAR_PAGE = 50


def planning(user, filtres: dict[str, Any] | None = None, page: str | int | None = None,
             page_retard: str | int | None = None) -> Planning:
    """The ANS's planning: the controls (filtered by state, controller, ISO week), counts by state,
    each controller's workload and the late controls (both lists paginated with their counts, counts
    aggregated in the database). A constant number of queries, whatever the number of controls."""
    filtres = filtres or {}
    base = controles_pour(user)
    page_obj = Paginator(_filtrer(base, filtres).prefetch_related("controleurs").order_by(
        F("date_prevue").asc(nulls_first=True), "pk"), PAR_PAGE).get_page(page)
    controles = list(page_obj.object_list)
    par_etat = Counter(dict(base.order_by().values_list("etat").annotate(n=Count("pk")).values_list("etat", "n")))
    noms = {u.pk: u for u in controleurs_ans()}
    charge: dict[int, Counter] = defaultdict(Counter)
    for uid, etat, n in (Controle.controleurs.through.objects.filter(controle__in=base).order_by()
                         .values_list("user_id", "controle__etat").annotate(n=Count("pk"))
                         .values_list("user_id", "controle__etat", "n")):
        charge[uid][etat] += n
    lignes = []
    for uid, u in noms.items():
        c = charge.get(uid, Counter())
        ouverts = sum(n for e, n in c.items() if e not in Controle.ETATS_CLOS)
        lignes.append({"controleur": u, "ouverts": ouverts, "par_etat": dict(c), "total": sum(c.values())})
    lignes.sort(key=lambda ligne: (-ligne["ouverts"], ligne["controleur"].nom))
    retard_page_obj = Paginator(en_retard(base).order_by("declaration__candidature__appel__controle_fin", "pk"),
                                PAR_PAGE).get_page(page_retard)
    return Planning(controles=controles, par_etat={e: par_etat.get(e, 0) for e in Controle.Etat.values},
                    charge=lignes, en_retard=list(retard_page_obj.object_list), page_obj=page_obj,
                    retard_page_obj=retard_page_obj)
