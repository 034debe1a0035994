"""Reads of the public side and of the support, permission-filtered (README: the access pattern).

An establishment sees the help requests of its structures' dossiers; an ARS agent those routed to the
ARS of its regions; an ANS agent (administrator, controller, secretariat) those routed to the ANS.
Anything else answers 404.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from care_portal.comptes.models import Rattachement
from care_portal.comptes.roles import ROLES_ES, Role
from care_portal.comptes.selectors import habilitations, regions_pour, structures_pour

from .models import DemandeAide, Destinataire, DocumentReference, MessageAide, QuestionFAQ

ROLES_SUPPORT_ANS = (Role.ADMIN_ANS, Role.CONTROLEUR_ANS, Role.SECRETARIAT_ANS)


# --- FAQ and reference documents ------------------------------------------------------------------

def faq_publiees(*, objectif=None, generales: bool = False) -> QuerySet[QuestionFAQ]:
    qs = QuestionFAQ.objects.filter(publiee_le__isnull=False, publiee_le__lte=timezone.now()) \
        .select_related("objectif").order_by("objectif__ordre", "ordre", "pk")
    if objectif is not None:
        return qs.filter(objectif=objectif)
    if generales:
        return qs.filter(objectif__isnull=True)
    return qs


def documents_publies(user=None) -> QuerySet[DocumentReference]:
    """The published reference documents (everyone, anonymous included)."""
    return DocumentReference.objects.filter(publie_le__isnull=False, publie_le__lte=timezone.now())


def documents_deposables(user) -> QuerySet[DocumentReference]:
    """Only an ANS administrator adds a reference document's file (the documents registry)."""
    if habilitations(user).est_admin:
        return DocumentReference.objects.all()
    return DocumentReference.objects.none()


def fichier_de(reference: DocumentReference):
    """The current file (latest version) of a reference document, or None."""
    from care_portal.documents.selectors import documents_du_proprietaire

    return documents_du_proprietaire(reference, categorie=DocumentReference.CATEGORIE_DOCUMENT).order_by(
        "-version").first()


def fichiers_de(references) -> dict[int, object]:
    """reference id → its current file, in one query."""
    from django.contrib.contenttypes.models import ContentType

    from care_portal.documents.models import Document

    references = list(references)
    ct = ContentType.objects.get_for_model(DocumentReference)
    fichiers = {}
    for d in (Document.objects.filter(content_type=ct, object_id__in=[str(r.pk) for r in references],
                                      categorie=DocumentReference.CATEGORIE_DOCUMENT).courants().order_by("version")):
        fichiers[int(d.object_id)] = d
    return fichiers


# --- help requests ------------------------------------------------------------------------------------

def _portee(c) -> dict:
    return {"ght": c.ght} if c.ght_id else {"entite_juridique": c.entite_juridique}


def peut_demander(user, candidature) -> bool:
    """A confirmed ES member (référent, DSI, RSSI, signatory) of the dossier's structure."""
    if not getattr(user, "is_authenticated", False):
        return False
    return Rattachement.objects.filter(utilisateur=user, role__in=list(ROLES_ES), etat=Rattachement.Etat.CONFIRME,
                                       **_portee(candidature)).exists()


def _filtre_agent(user) -> Q:
    """The requests an agent answers: routed to the ARS of its regions, or to the ANS."""
    h = habilitations(user)
    q = Q(pk__in=[])
    if h.est_ars:
        q |= Q(destinataire=Destinataire.ARS, region__in=regions_pour(user))
    if h.a(*ROLES_SUPPORT_ANS):
        q |= Q(destinataire=Destinataire.ANS)
    return q


def _filtre_es(user) -> Q:
    if not habilitations(user).est_es:
        return Q(pk__in=[])
    ejs, ghts = structures_pour(user)
    return Q(candidature__ght__in=ghts) | Q(candidature__ght__isnull=True, candidature__entite_juridique__in=ejs)


def _base() -> QuerySet[DemandeAide]:
    return DemandeAide.objects.select_related("candidature__ght", "candidature__entite_juridique", "candidature__appel",
                                              "region", "auteur")


def demandes_visibles(user) -> QuerySet[DemandeAide]:
    if not getattr(user, "is_authenticated", False):
        return DemandeAide.objects.none()
    return _base().filter(_filtre_es(user) | _filtre_agent(user))


def demande_pour(user, pk) -> DemandeAide:
    return get_object_or_404(demandes_visibles(user), pk=pk)


def demandes_du_dossier(user, candidature) -> QuerySet[DemandeAide]:
    return demandes_visibles(user).filter(candidature=candidature).order_by("-cree_le", "-pk")


def mes_demandes(user) -> QuerySet[DemandeAide]:
    """The requests of the user's structures (establishment side)."""
    if not getattr(user, "is_authenticated", False):
        return DemandeAide.objects.none()
    return _base().filter(_filtre_es(user)).order_by("-modifiee_le", "-pk")


ORDRE_FILE = ("attente_depuis", "cree_le", "pk")


def file_pour(user, *, etat: str = "") -> QuerySet[DemandeAide]:
    """The queue of an agent: the requests routed to them, those waiting longest first."""
    if not getattr(user, "is_authenticated", False):
        return DemandeAide.objects.none()
    qs = _base().filter(_filtre_agent(user))
    if etat == "a_traiter":
        return qs.filter(attente_depuis__isnull=False).exclude(etat=DemandeAide.Etat.RESOLUE).order_by(*ORDRE_FILE)
    if etat in DemandeAide.Etat.values:
        qs = qs.filter(etat=etat)
    return qs.order_by("etat", *ORDRE_FILE)


def compter_file(user) -> dict[str, int]:
    from django.db.models import Count

    qs = DemandeAide.objects.filter(_filtre_agent(user)) if getattr(user, "is_authenticated", False) \
        else DemandeAide.objects.none()
    comptes = dict(qs.order_by().values_list("etat").annotate(n=Count("pk")))
    a_traiter = qs.filter(attente_depuis__isnull=False).exclude(etat=DemandeAide.Etat.RESOLUE).count()
    return {"a_traiter": a_traiter, **{e: comptes.get(e, 0) for e in DemandeAide.Etat.values}}


def peut_repondre(user, demande: DemandeAide) -> bool:
    return DemandeAide.objects.filter(_filtre_agent(user), pk=demande.pk).exists() \
        if getattr(user, "is_authenticated", False) else False


def messages_de(demande: DemandeAide) -> list[MessageAide]:
    return list(demande.messages.select_related("auteur").order_by("cree_le", "pk"))


def agents_de(demande: DemandeAide) -> list:
    """The agents of the request's queue: the ARS référents of its region, or the ANS support roles."""
    if demande.destinataire == Destinataire.ARS:
        filtre = {"role": Role.REFERENT_ARS, "region_id": demande.region_id}
    else:
        filtre = {"role__in": list(ROLES_SUPPORT_ANS)}
    ids = Rattachement.objects.filter(etat=Rattachement.Etat.CONFIRME, **filtre).values("utilisateur")
    return list(get_user_model().objects.filter(pk__in=ids, is_active=True).order_by("pk"))


def libelle_destinataire(demande: DemandeAide) -> str:
    if demande.destinataire == Destinataire.ARS:
        return f"l'ARS {demande.region.nom}" if demande.region_id else "l'ARS"
    return "l'ANS"


def attente_jours(demande: DemandeAide, maintenant=None) -> int | None:
    if demande.attente_depuis is None:
        return None
    return ((maintenant or timezone.now()) - demande.attente_depuis).days


# --- the call's calendar ----------------------------------------------------------------------------

def calendrier(appel) -> list[dict]:
    """The milestones of a funding call, from its dates (never constants), each with its status today
    (Europe/Paris): « terminé », « en cours » or « à venir »."""
    if appel is None:
        return []
    jour = timezone.localdate()
    jalons = [
        ("Dépôt des candidatures", "Établissement", appel.candidature_debut, appel.candidature_fin),
        ("Instruction des candidatures", "ARS", appel.candidature_debut, appel.instruction_fin),
        ("Signature des conventions", "Établissement, puis ANS", appel.convention_debut, appel.convention_fin),
        ("Phase opérationnelle (audits, remédiation)", "Établissement", appel.candidature_debut,
         appel.controle_fin),
        ("Déclaration d'atteinte des objectifs", "Établissement", appel.declaration_debut, appel.declaration_fin),
        ("Opérations de contrôle", "ANS", appel.declaration_debut, appel.controle_fin),
        ("Paiement des établissements", "ANS", appel.paiement_debut, appel.paiement_fin),
    ]
    lignes = []
    for libelle, acteur, debut, fin in jalons:
        statut = "terminé" if fin < jour else "en cours" if debut <= jour else "à venir"
        lignes.append({"libelle": libelle, "acteur": acteur, "debut": debut, "fin": fin, "statut": statut})
    return lignes


def appels_publies() -> QuerySet:
    from care_portal.referentiel.models import AppelAFinancement

    return AppelAFinancement.objects.order_by("-candidature_debut")


def dossiers_deposes():
    """The dossiers of the public statistics: those submitted at least once (not the drafts, nor the drafts
    withdrawn before any submission)."""
    from care_portal.core import etapes

    return (etapes.modele_dossier().objects.exclude(etat="brouillon")
            .exclude(etat="retiree", premiere_depose_le__isnull=True))
