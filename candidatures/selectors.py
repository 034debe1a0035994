"""Reads of candidatures, permission-filtered (README: the access pattern)."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet
from django.utils import timezone

from care_portal.comptes.models import Rattachement
from care_portal.comptes.roles import Role
from care_portal.comptes.selectors import habilitations, regions_pour, structures_pour
from care_portal.documents.models import Document

from .banque import verifier_coordonnees
from .models import Candidature, PerimetreLigne, StructureSunes
from .regles import (
    PREUVES_PREREQUIS,
    DonneesCompletude,
    ResultatPrerequis,
    Section,
    StructurePrerequis,
    TypeCandidature,
    verifier_completude,
    verifier_prerequis,
)

DOCUMENTS_CANDIDATURE = {
    "rib": "RIB (relevé d'identité bancaire)",
    "convention_constitutive": "Convention constitutive du GHT",
    "decision_support": "Relevé de décision autorisant l'établissement support",
}


def candidatures_pour(user) -> QuerySet[Candidature]:
    """Every candidature the user may open: ANS all; ARS its regions'; ES its structures'."""
    base = Candidature.objects.select_related(
        "appel", "ght", "entite_juridique__departement", "region_instructrice"
    )
    h = habilitations(user)
    if not h.roles:
        return base.none()
    if h.est_ans:
        return base
    q = Q(pk__in=[])
    if h.est_ars:
        q |= Q(region_instructrice__in=regions_pour(user))
    if h.est_es:
        ejs, ghts = structures_pour(user)
        q |= Q(ght__in=ghts) | Q(ght__isnull=True, entite_juridique__in=ejs)
    return base.filter(q)


def _documents(proprietaire_model, ids) -> QuerySet[Document]:
    """Current (latest version, not deleted) documents of several owners of one model."""
    ct = ContentType.objects.get_for_model(proprietaire_model)
    return Document.objects.filter(content_type=ct, object_id__in=[str(i) for i in ids]).courants()


def documents_de(c: Candidature) -> list:
    """The current (latest version) documents of the candidature and of its perimeter lines."""
    lignes = list(c.perimetre.values_list("pk", flat=True))
    return [*_documents(Candidature, [c.pk]), *_documents(PerimetreLigne, lignes)]


def categories_fournies(c: Candidature) -> tuple[set[str], dict[int, set[str]]]:
    bloques = {Document.EtatAnalyse.INFECTE}
    propres = set(_documents(Candidature, [c.pk]).exclude(etat_analyse__in=bloques).values_list("categorie", flat=True))
    par_ligne: dict[int, set[str]] = {}
    lignes = list(c.perimetre.values_list("pk", flat=True))
    for object_id, categorie in _documents(PerimetreLigne, lignes).exclude(etat_analyse__in=bloques).values_list(
        "object_id", "categorie"
    ):
        par_ligne.setdefault(int(object_id), set()).add(categorie)
    return propres, par_ligne


def prerequis(c: Candidature, *, par_ligne: dict[int, set[str]] | None = None) -> ResultatPrerequis:
    lignes = [ligne for ligne in c.perimetre.all() if ligne.inclus]
    if c.type_candidature == TypeCandidature.PUBLIC_HORS_GHT:  # « l'entité juridique candidate », not its EG
        lignes = [ligne for ligne in lignes if not ligne.etablissement_id]
    if par_ligne is None:
        par_ligne = categories_fournies(c)[1]
    sunes = set(StructureSunes.objects.filter(finess__in=[ligne.finess for ligne in lignes]).values_list("finess", flat=True))
    structures = [
        StructurePrerequis(
            cle=ligne.cle, finess=ligne.finess, nom=ligne.libelle, activite=ligne.activite_combinee,
            support=ligne.est_support, sunes_valide=ligne.finess in sunes,
            preuves=frozenset(p for p in par_ligne.get(ligne.pk, set()) if p in PREUVES_PREREQUIS),
            date_audit_exposition=ligne.date_audit_exposition,
        )
        for ligne in lignes
    ]
    # « attestation … de moins de 2 ans » (issue 17): on the day the candidature is submitted (today for a
    # draft), so that the verdict of a submitted candidature never changes afterwards
    reference = timezone.localdate(c.deposee_le) if c.deposee_le else timezone.localdate()
    return verifier_prerequis(c.type_candidature, structures, date_reference=reference)


def completude(c: Candidature) -> list[Section]:
    propres, par_ligne = categories_fournies(c)
    v = verifier_coordonnees(c.iban, c.bic)
    donnees = DonneesCompletude(
        type_candidature=c.type_candidature,
        contacts={
            "referent": {"nom": c.referent_nom, "email": c.referent_email, "telephone": c.referent_telephone},
            "dsi": {"nom": c.dsi_nom, "email": c.dsi_email, "telephone": c.dsi_telephone},
            "rssi": {"nom": c.rssi_nom, "email": c.rssi_email, "telephone": c.rssi_telephone},
        },
        signataire={"nom": c.signataire_nom, "fonction": c.signataire_fonction, "email": c.signataire_email},
        titulaire=c.titulaire_compte,
        iban_valide=v.iban_valide,
        bic_valide=v.bic_valide,
        rib_fourni="rib" in propres,
        convention_constitutive_fournie="convention_constitutive" in propres,
        decision_requise=c.decision_support_requise,
        decision_fournie="decision_support" in propres,
        prerequis=prerequis(c, par_ligne=par_ligne),
    )
    return verifier_completude(donnees)


def _emails(**filtre) -> list[str]:
    return list(
        Rattachement.objects.filter(etat=Rattachement.Etat.CONFIRME, utilisateur__is_active=True, **filtre)
        .values_list("utilisateur__email", flat=True)
        .distinct()
    )


def emails_ars(c: Candidature) -> list[str]:
    return _emails(role=Role.REFERENT_ARS, region=c.region_instructrice)


def emails_es(c: Candidature) -> list[str]:
    portee = {"ght": c.ght} if c.ght_id else {"entite_juridique": c.entite_juridique}
    emails = set(_emails(role__in=[Role.REFERENT_ES, Role.DSI, Role.RSSI], **portee))
    emails.add(c.referent_email)
    return sorted(e for e in emails if e)


def emails_ans() -> list[str]:
    return _emails(role__in=[Role.ADMIN_ANS, Role.CONTROLEUR_ANS])


def emails_secretariat_ans() -> list[str]:
    """The payment circuit: the ANS secretariat and administrators."""
    return _emails(role__in=[Role.SECRETARIAT_ANS, Role.ADMIN_ANS])
