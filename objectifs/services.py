"""Every write on the objectives' evidence (STYLE.md). Each service: checks the input (French
messages) → atomic → lock the candidature → check the actor (a confirmed référent CaRE, DSI or RSSI
of the structure: ``candidatures.services.peut_editer``) and the state (from the first submission
on: déposée, complément demandé, complète) → write → files through ``document_deposer`` → one log
row on the candidature (its timeline). A refusal raises ``WorkflowError`` and nothing is kept: the
bytes of a file stored before the refusal are erased.

Bad input that is still *evidence* is kept: an exercise outside 2023–2024 is stored, the rule says
why it does not count. Everything else listed by issue 6 is refused with its reason.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, models, transaction
from django.utils import timezone

from candidatures.models import Candidature, PerimetreLigne
from candidatures.services import peut_editer
from care_portal.core import format_fr
from care_portal.documents import fabrique
from care_portal.documents import services as documents
from care_portal.documents.models import Document
from care_portal.workflow.services import WorkflowError, journaliser

from . import imports
from .models import (
    ActiveDirectory,
    AuditADS,
    AuditExposition,
    Budget,
    ConvergenceAD,
    ElementExpose,
    ExerciceCrise,
    GouvernanceGHT,
    Osis,
)

MESURES_OSIS = 43  # the oSIS priority measures (Seuil "mesures_osis"); the form's bound, not a rule
ETATS_PREUVES = (Candidature.Etat.DEPOSEE, Candidature.Etat.COMPLEMENT_DEMANDE, Candidature.Etat.COMPLETE)

#: Document categories of each evidence owner (registered in apps.py).
CATEGORIES = {
    ActiveDirectory: {"description_infrastructure": "Description de l'infrastructure AD et de ses interconnexions"},
    AuditADS: {"rapport_ads": "Rapport ORADAD / ADS"},
    AuditExposition: {"rapport_exposition": "Rapport d'audit d'exposition"},
    ExerciceCrise: {"rapport_exercice": "Rapport d'exercice (modèle ANS)", "attestation_exercice": "Attestation"},
    GouvernanceGHT: {"schema_gouvernance": "Schéma de gouvernance", "equipe_projet": "Équipe projet",
                     "schema_directeur": "Extrait du schéma directeur de convergence des SI (sujets AD)"},
    ConvergenceAD: {"trajectoire_convergence": "Trajectoire de convergence des AD",
                    "description_ad_converge": "Description de l'AD convergé"},
}


class PerimetreInvalide(WorkflowError):
    """A perimeter CSV with refused lines: ``erreurs`` lists them (« Ligne 3 : … »)."""

    def __init__(self, erreurs: list[str]):
        super().__init__(f"Le périmètre n'a pas été importé : {len(erreurs)} ligne{format_fr.s(len(erreurs))} en erreur. Corrigez le "
                         "fichier puis importez-le de nouveau ; rien n'a été enregistré.", code="csv")
        self.erreurs = erreurs


# --- checks -----------------------------------------------------------------------------------------

#: The declaration states in which its evidence is open (the ES writes it); submitted = frozen.
ETATS_DECLARATION_OUVERTS = ("brouillon", "complement_demande")
#: The control state in which the ES may add evidence (new rows and documents), never change or remove it.
ETAT_CONTROLE_AJOUT = "informations_demandees"
MESSAGE_GEL = ("La déclaration d'atteinte des objectifs est déposée : les preuves sur lesquelles elle repose ne "
               "peuvent plus être ajoutées, modifiées ni supprimées, sauf si l'ARS demande un complément.")
MESSAGE_GEL_AJOUT = ("Le contrôle de l'ANS demande des informations : vous pouvez ajouter des preuves et des "
                     "documents, mais plus modifier ni supprimer celles déjà déclarées.")


def gel_des_preuves(c: Candidature) -> tuple[str, str]:
    """(« ouvert » | « ajout » | « gele », why) for the ES's evidence of ``c``: open without declaration or
    while it is a draft or awaits a complement; frozen once submitted (déposée, complète, non recevable),
    except that a control asking for information lets the ES add (nothing edited or removed). Read
    through the reverse relations, so that this app does not import the later stages."""
    etats = (Candidature.objects.filter(pk=c.pk)
             .values_list("declaration__etat", "declaration__controle__etat").first() or (None, None))
    declaration, controle = etats
    if declaration is None or declaration in ETATS_DECLARATION_OUVERTS:
        return "ouvert", ""
    if controle == ETAT_CONTROLE_AJOUT:
        return "ajout", MESSAGE_GEL_AJOUT
    return "gele", MESSAGE_GEL


def peut_saisir(user, c: Candidature) -> bool:
    """``user`` may enter evidence on ``c`` now (role, state, the declaration not submitted)."""
    return c.etat in ETATS_PREUVES and peut_editer(user, c) and gel_des_preuves(c)[0] == "ouvert"


def _verrouiller(candidature: Candidature, acteur, *, ajout: bool = False) -> Candidature:
    """Lock the candidature and check the actor, its state and the declaration's freeze; ``ajout``: the
    service only adds evidence (allowed while a control asks for information)."""
    c = Candidature.objects.select_for_update().select_related("appel").get(pk=candidature.pk)
    if not peut_editer(acteur, c):
        raise WorkflowError("Seuls le référent CaRE, le DSI et le RSSI de la structure peuvent saisir les preuves "
                            "des objectifs.", code="droit")
    if c.etat not in ETATS_PREUVES:
        raise WorkflowError(f"La candidature est « {c.get_etat_display().lower()} » : les preuves des objectifs se "
                            "saisissent à partir de son dépôt, tant qu'elle n'est ni rejetée ni retirée.",
                            code="etat")
    gel, raison = gel_des_preuves(c)
    if gel == "gele" or (gel == "ajout" and not ajout):
        raise WorkflowError(raison, code="gel")
    return c


def _date_audit(date: datetime.date | None, c: Candidature, quoi: str) -> datetime.date:
    if not isinstance(date, datetime.date):
        raise WorkflowError(f"Indiquez la date {quoi}.", code="date")
    aujourd_hui = timezone.localdate()
    if date > aujourd_hui:
        raise WorkflowError(f"La date {quoi} ({date:%d/%m/%Y}) est dans le futur : saisissez un audit déjà réalisé.",
                            code="date")
    debut = c.appel.candidature_debut
    if date < debut:
        raise WorkflowError(f"La date {quoi} ({date:%d/%m/%Y}) précède l'ouverture de l'appel « {c.appel.nom} » "
                            f"({debut:%d/%m/%Y}) : seuls les audits réalisés depuis comptent.", code="date")
    return date


def _montant(valeur: Any, libelle: str, *, positif_strict: bool = False) -> Decimal:
    try:
        montant = Decimal(str(valeur).replace(" ", "").replace("\u202f", "").replace(",", "."))
    except (InvalidOperation, TypeError) as exc:
        raise WorkflowError(f"« {libelle} » doit être un nombre.", code="montant") from exc
    if not montant.is_finite():
        raise WorkflowError(f"« {libelle} » doit être un nombre.", code="montant")
    if montant < 0 or (positif_strict and montant == 0):
        raise WorkflowError(f"« {libelle} » doit être {'strictement ' if positif_strict else ''}positif.",
                            code="montant")
    if montant.as_tuple().exponent < -2:
        raise WorkflowError(f"« {libelle} » s'écrit avec 2 décimales au plus.", code="montant")
    return montant


def _structures(c: Candidature, structures: Iterable[PerimetreLigne | int]) -> list[PerimetreLigne]:
    ids = {s.pk if isinstance(s, PerimetreLigne) else int(s) for s in structures}
    lignes = list(PerimetreLigne.objects.filter(candidature=c, inclus=True, pk__in=ids))
    if len(lignes) != len(ids):
        raise WorkflowError("Un des établissements choisis ne fait pas partie du périmètre de la candidature.",
                            code="structures")
    return lignes


def _structure(c: Candidature, structure: PerimetreLigne | int | None) -> PerimetreLigne:
    if structure is None:
        raise WorkflowError("Choisissez l'établissement concerné.", code="structures")
    return _structures(c, [structure])[0]


def _exiger_ght(c: Candidature, quoi: str) -> None:
    if not c.est_ght:
        raise WorkflowError(f"{quoi} ne concerne que les candidatures de GHT.", code="type")


# --- files ---------------------------------------------------------------------------------------------

def _deposer(fichier, *, acteur, proprietaire: models.Model, categorie: str,
             remplace: Document | None = None) -> Document:
    """Store an uploaded proof; inside the service's ``fabrique.atelier()``, its bytes go if the service
    fails."""
    return documents.document_deposer(fichier=fichier, acteur=acteur, proprietaire=proprietaire,
                                      categorie=categorie, remplace=remplace)


def _doc(d: Document | None) -> dict | None:
    return None if d is None else {"document": str(d.pk), "nom": d.nom_original, "sha256": d.sha256}


# --- Active Directory ----------------------------------------------------------------------------------

def active_directory_ajouter(*, candidature: Candidature, nom: str, structures: Iterable[PerimetreLigne | int],
                             acteur, description=None) -> ActiveDirectory:
    """Declare an AD (name or forest) and the establishments it serves, with the optional description
    of the infrastructure. Refused: no name, no establishment, a name already declared."""
    nom = (nom or "").strip()
    if not nom:
        raise WorkflowError("Indiquez le nom de l'Active Directory (domaine ou forêt).", code="nom")
    structures = list(structures or [])
    if not structures:
        raise WorkflowError(f"Indiquez au moins un établissement desservi par l'AD « {nom} ».", code="structures")
    with fabrique.atelier():  # the proofs stored here lose their bytes if it fails
        c = _verrouiller(candidature, acteur, ajout=True)
        lignes = _structures(c, structures)
        if ActiveDirectory.objects.filter(candidature=c, nom__iexact=nom).exists():
            raise WorkflowError(f"L'AD « {nom} » est déjà déclaré sur ce dossier.", code="nom")
        ad = ActiveDirectory.objects.create(candidature=c, nom=nom, cree_par=acteur)
        ad.structures.set(lignes)
        d = None
        if description:
            d = _deposer(description, acteur=acteur, proprietaire=ad, categorie="description_infrastructure")
        journaliser(c, "objectifs.active_directory.ajoute", acteur=acteur, donnees={
            "active_directory": ad.pk, "nom": nom, "structures": [ligne.finess for ligne in lignes],
            "description": _doc(d)})
    return ad


def active_directory_modifier(*, active_directory: ActiveDirectory, nom: str,
                              structures: Iterable[PerimetreLigne | int], acteur,
                              description=None) -> ActiveDirectory:
    """Rename an AD, change the establishments it serves, add a new version of its description."""
    nom = (nom or "").strip()
    if not nom:
        raise WorkflowError("Indiquez le nom de l'Active Directory (domaine ou forêt).", code="nom")
    structures = list(structures or [])
    if not structures:
        raise WorkflowError(f"Indiquez au moins un établissement desservi par l'AD « {nom} ».", code="structures")
    with fabrique.atelier():  # the proofs stored here lose their bytes if it fails
        c = _verrouiller(active_directory.candidature, acteur)
        ad = ActiveDirectory.objects.select_for_update().get(pk=active_directory.pk, candidature=c)
        lignes = _structures(c, structures)
        if ActiveDirectory.objects.filter(candidature=c, nom__iexact=nom).exclude(pk=ad.pk).exists():
            raise WorkflowError(f"L'AD « {nom} » est déjà déclaré sur ce dossier.", code="nom")
        avant = {"nom": ad.nom, "structures": sorted(ad.structures.values_list("finess", flat=True))}
        ad.nom = nom
        ad.save(update_fields=["nom"])
        ad.structures.set(lignes)
        d = None
        if description:
            actuel = (Document.objects.du_proprietaire(ad, "description_infrastructure").courants()
                      .order_by("-depose_le").first())
            d = _deposer(description, acteur=acteur, proprietaire=ad, categorie="description_infrastructure",
                         remplace=actuel)
        journaliser(c, "objectifs.active_directory.modifie", acteur=acteur, donnees={
            "active_directory": ad.pk, "avant": avant,
            "apres": {"nom": nom, "structures": sorted(ligne.finess for ligne in lignes)}, "description": _doc(d)})
    return ad


# --- ADS audits ----------------------------------------------------------------------------------------

def _score(score: Any) -> int:
    try:
        valeur = int(score)
    except (TypeError, ValueError) as exc:
        raise WorkflowError("Le score ADS est un nombre entier de 1 à 5.", code="score") from exc
    if str(score).strip() not in (str(valeur), f"{valeur}.0") or not 1 <= valeur <= 5:
        raise WorkflowError(f"Le score ADS va de 1 à 5 (reçu : {score}).", code="score")
    return valeur


def _doublon_audit(ad: ActiveDirectory, date: datetime.date) -> WorkflowError:
    return WorkflowError(f"Un audit ADS de l'AD « {ad.nom} » est déjà enregistré au {date:%d/%m/%Y} : modifiez-le "
                         "plutôt que d'en saisir un second.", code="doublon")


def audit_ads_ajouter(*, active_directory: ActiveDirectory, date: datetime.date, score: int, rapport,
                      acteur) -> AuditADS:
    """Record an ADS audit of one AD with its ORADAD/ADS report. Refused: a date in the future or
    before the call, a score outside 1–5, no report, the same AD already audited that day."""
    score = _score(score)
    if not rapport:
        raise WorkflowError("Joignez le rapport ORADAD / ADS de l'audit.", code="rapport")
    with fabrique.atelier():  # the proofs stored here lose their bytes if it fails
        c = _verrouiller(active_directory.candidature, acteur, ajout=True)
        ad = ActiveDirectory.objects.get(pk=active_directory.pk, candidature=c)
        date = _date_audit(date, c, "de l'audit ADS")
        if AuditADS.objects.filter(active_directory=ad, date=date).exists():
            raise _doublon_audit(ad, date)
        try:
            with transaction.atomic():
                audit = AuditADS.objects.create(active_directory=ad, date=date, score=score, cree_par=acteur)
        except IntegrityError as exc:
            raise _doublon_audit(ad, date) from exc
        audit.rapport = _deposer(rapport, acteur=acteur, proprietaire=audit, categorie="rapport_ads")
        audit.save(update_fields=["rapport"])
        journaliser(c, "objectifs.audit_ads.ajoute", acteur=acteur, donnees={
            "audit": audit.pk, "active_directory": ad.nom, "date": date.isoformat(), "score": score,
            "rapport": _doc(audit.rapport)})
    return audit


def audit_ads_modifier(*, audit: AuditADS, date: datetime.date, score: int, acteur, rapport=None) -> AuditADS:
    """Correct an ADS audit (date, score) and optionally give a new version of its report."""
    score = _score(score)
    with fabrique.atelier():  # the proofs stored here lose their bytes if it fails
        c = _verrouiller(audit.active_directory.candidature, acteur)
        a = AuditADS.objects.select_for_update().select_related("active_directory").get(
            pk=audit.pk, active_directory__candidature=c)
        date = _date_audit(date, c, "de l'audit ADS")
        if AuditADS.objects.filter(active_directory=a.active_directory, date=date).exclude(pk=a.pk).exists():
            raise _doublon_audit(a.active_directory, date)
        avant = {"date": a.date.isoformat(), "score": a.score}
        a.date, a.score = date, score
        champs = ["date", "score"]
        if rapport:
            a.rapport = _deposer(rapport, acteur=acteur, proprietaire=a, categorie="rapport_ads",
                                 remplace=a.rapport)
            champs.append("rapport")
        a.save(update_fields=champs)
        journaliser(c, "objectifs.audit_ads.modifie", acteur=acteur, donnees={
            "audit": a.pk, "active_directory": a.active_directory.nom, "avant": avant,
            "apres": {"date": date.isoformat(), "score": score}, "rapport": _doc(a.rapport) if rapport else None})
    return a


# --- exposure audits -----------------------------------------------------------------------------------

def _compte(valeur: Any, libelle: str) -> int:
    try:
        n = int(valeur or 0)
    except (TypeError, ValueError) as exc:
        raise WorkflowError(f"« {libelle} » doit être un nombre entier.", code="vulnerabilites") from exc
    if n < 0:
        raise WorkflowError(f"« {libelle} » ne peut pas être négatif.", code="vulnerabilites")
    return n


def _lire_perimetre(perimetre: str | None, fichier_csv) -> list[imports.Element]:
    lectures = []
    if perimetre and perimetre.strip():
        lectures.append(imports.lire_perimetre(perimetre))
    if fichier_csv:
        fichier_csv.seek(0)
        lectures.append(imports.lire_fichier(fichier_csv))
    erreurs = [e for lecture in lectures for e in lecture.erreurs]
    if erreurs:
        raise PerimetreInvalide(erreurs)
    return [e for lecture in lectures for e in lecture.elements]


def _ajouter_elements(audit: AuditExposition, elements: list[imports.Element]) -> int:
    existants = set(audit.elements.values_list("valeur", flat=True))
    nouveaux = []
    for e in elements:
        if e.valeur not in existants:
            existants.add(e.valeur)
            nouveaux.append(ElementExpose(audit=audit, type=e.type, valeur=e.valeur))
    ElementExpose.objects.bulk_create(nouveaux)
    return len(nouveaux)


def audit_exposition_ajouter(*, candidature: Candidature, date: datetime.date, outil: str, outil_nom: str = "",
                             structures: Iterable[PerimetreLigne | int], vulnerabilites: dict[str, Any],
                             rapport, acteur, perimetre: str = "", fichier_csv=None) -> AuditExposition:
    """Record an internet-exposure audit: date, tool, the establishments it covers, the counts by
    severity (critique, haute, moyenne, faible), its report and its perimeter (pasted or CSV; every
    refused line listed, nothing stored)."""
    if outil not in AuditExposition.Outil.values:
        raise WorkflowError("Choisissez l'outil : SILENE ou un outil industriel conforme.", code="outil")
    outil_nom = (outil_nom or "").strip()
    if outil == AuditExposition.Outil.INDUSTRIEL and not outil_nom:
        raise WorkflowError("Indiquez le nom de l'outil industriel utilisé.", code="outil")
    structures = list(structures or [])
    if not structures:
        raise WorkflowError("Indiquez au moins un établissement couvert par l'audit.", code="structures")
    comptes = {k: _compte((vulnerabilites or {}).get(k), f"vulnérabilités {lib}")
               for k, lib in (("critiques", "critiques"), ("hautes", "hautes"), ("moyennes", "moyennes"),
                              ("faibles", "faibles"))}
    if not rapport:
        raise WorkflowError("Joignez le rapport de l'audit d'exposition.", code="rapport")
    elements = _lire_perimetre(perimetre, fichier_csv)
    with fabrique.atelier():  # the proofs stored here lose their bytes if it fails
        c = _verrouiller(candidature, acteur, ajout=True)
        date = _date_audit(date, c, "de l'audit d'exposition")
        lignes = _structures(c, structures)
        audit = AuditExposition.objects.create(
            candidature=c, date=date, outil=outil,
            outil_nom=outil_nom if outil == AuditExposition.Outil.INDUSTRIEL else "", cree_par=acteur,
            **{f"vulnerabilites_{k}": v for k, v in comptes.items()})
        audit.structures.set(lignes)
        n = _ajouter_elements(audit, elements)
        audit.rapport = _deposer(rapport, acteur=acteur, proprietaire=audit, categorie="rapport_exposition")
        audit.save(update_fields=["rapport"])
        journaliser(c, "objectifs.audit_exposition.ajoute", acteur=acteur, donnees={
            "audit": audit.pk, "date": date.isoformat(), "outil": audit.libelle_outil,
            "structures": [ligne.finess for ligne in lignes], "vulnerabilites": comptes, "elements": n,
            "rapport": _doc(audit.rapport)})
    return audit


def perimetre_exposition_importer(*, audit: AuditExposition, acteur, perimetre: str = "",
                                  fichier_csv=None) -> int:
    """Add domains and public IPs to an exposure audit's perimeter (CSV or pasted). All or nothing:
    one refused line refuses the import, with every line's reason. Returns how many were added."""
    elements = _lire_perimetre(perimetre, fichier_csv)
    if not elements:
        raise WorkflowError("Le périmètre est vide : indiquez au moins un domaine ou une adresse IP publique.",
                            code="csv")
    with transaction.atomic():
        c = _verrouiller(audit.candidature, acteur)
        a = AuditExposition.objects.select_for_update().get(pk=audit.pk, candidature=c)
        n = _ajouter_elements(a, elements)
        journaliser(c, "objectifs.audit_exposition.perimetre_importe", acteur=acteur,
                    donnees={"audit": a.pk, "lus": len(elements), "ajoutes": n})
    return n


# --- crisis exercise -----------------------------------------------------------------------------------

def exercice_crise_ajouter(*, candidature: Candidature, structure: PerimetreLigne | int, date: datetime.date,
                           kit: str, type_preuve: str, fournisseur: str, document, acteur) -> ExerciceCrise:
    """Record a crisis exercise of one establishment with its report or attestation. A date outside
    2023–2024 is kept (the rule says why it does not count); a date in the future is refused."""
    if kit not in ExerciceCrise.Kit.values:
        raise WorkflowError("Choisissez le kit ANS utilisé : débutant, intermédiaire ou confirmé.", code="kit")
    if type_preuve not in ExerciceCrise.TypePreuve.values:
        raise WorkflowError("Précisez s'il s'agit d'un rapport d'exercice ou d'une attestation.", code="preuve")
    if fournisseur not in ExerciceCrise.Fournisseur.values:
        raise WorkflowError("Précisez qui fournit la preuve : l'établissement, un prestataire, l'ARS ou le GRADeS.",
                            code="preuve")
    if type_preuve == ExerciceCrise.TypePreuve.ATTESTATION and fournisseur == ExerciceCrise.Fournisseur.ETABLISSEMENT:
        raise WorkflowError("Une attestation est délivrée par un prestataire, l'ARS ou le GRADeS.", code="preuve")
    if not isinstance(date, datetime.date):
        raise WorkflowError("Indiquez la date de l'exercice.", code="date")
    if date > timezone.localdate():
        raise WorkflowError(f"La date de l'exercice ({date:%d/%m/%Y}) est dans le futur : saisissez un exercice déjà "
                            "réalisé.", code="date")
    if not document:
        raise WorkflowError("Joignez le rapport d'exercice ou l'attestation.", code="rapport")
    categorie = "rapport_exercice" if type_preuve == ExerciceCrise.TypePreuve.RAPPORT else "attestation_exercice"
    with fabrique.atelier():  # the proofs stored here lose their bytes if it fails
        c = _verrouiller(candidature, acteur, ajout=True)
        ligne = _structure(c, structure)
        e = ExerciceCrise.objects.create(candidature=c, structure=ligne, date=date, kit=kit, type_preuve=type_preuve,
                                         fournisseur=fournisseur, cree_par=acteur)
        e.document = _deposer(document, acteur=acteur, proprietaire=e, categorie=categorie)
        e.save(update_fields=["document"])
        journaliser(c, "objectifs.exercice_crise.ajoute", acteur=acteur, donnees={
            "exercice": e.pk, "structure": ligne.finess, "date": date.isoformat(), "kit": kit,
            "preuve": type_preuve, "fournisseur": fournisseur, "document": _doc(e.document)})
    return e


# --- oSIS and budget -----------------------------------------------------------------------------------

def osis_enregistrer(*, candidature: Candidature, structure: PerimetreLigne | int, part_budget_renseignee: bool,
                     mesures_prioritaires: Any, date: datetime.date, acteur) -> Osis:
    """Record (or update) what one establishment filled in oSIS and when: the digital budget share,
    how many of the 43 priority measures. Refused: a count outside 0–43, a date in the future."""
    try:
        mesures = int(mesures_prioritaires or 0)
    except (TypeError, ValueError) as exc:
        raise WorkflowError("Le nombre de mesures prioritaires renseignées est un entier de 0 à 43.",
                            code="mesures") from exc
    if not 0 <= mesures <= MESURES_OSIS:
        raise WorkflowError(f"Le nombre de mesures prioritaires renseignées va de 0 à {MESURES_OSIS} (reçu : "
                            f"{mesures}).", code="mesures")
    if not isinstance(date, datetime.date):
        raise WorkflowError("Indiquez la date de saisie dans oSIS.", code="date")
    if date > timezone.localdate():
        raise WorkflowError(f"La date de saisie dans oSIS ({date:%d/%m/%Y}) est dans le futur.", code="date")
    with transaction.atomic():
        c = _verrouiller(candidature, acteur)
        ligne = _structure(c, structure)
        o, cree = Osis.objects.update_or_create(structure=ligne, defaults={
            "candidature": c, "part_budget_renseignee": bool(part_budget_renseignee),
            "mesures_prioritaires": mesures, "date": date, "cree_par": acteur})
        journaliser(c, "objectifs.osis.enregistre", acteur=acteur, donnees={
            "structure": ligne.finess, "cree": cree, "part_budget": o.part_budget_renseignee,
            "mesures_prioritaires": mesures, "date": date.isoformat()})
    return o


def budget_enregistrer(*, candidature: Candidature, structure: PerimetreLigne | int, budget_general: Any,
                       budget_numerique: Any, etp_securite: Any, acteur) -> Budget:
    """Record (or update) one establishment's budgets and security FTE; the share is computed.
    Refused: negative amounts, a general budget of zero, a digital share above 100 %."""
    general = _montant(budget_general, "Budget général", positif_strict=True)
    numerique = _montant(budget_numerique, "Budget numérique")
    etp = _montant(etp_securite, "ETP sécurité")
    if numerique > general:
        part = (numerique * 100 / general).quantize(Decimal("0.1"))
        raise WorkflowError(f"Le budget numérique ({format_fr.montant(numerique)}) dépasse le budget général "
                            f"({format_fr.montant(general)}) : la part du numérique serait de "
                            f"{format_fr.pourcentage(part)}, au-delà de 100\u00a0%.", code="montant")
    with transaction.atomic():
        c = _verrouiller(candidature, acteur)
        ligne = _structure(c, structure)
        b, cree = Budget.objects.update_or_create(structure=ligne, defaults={
            "candidature": c, "budget_general": general, "budget_numerique": numerique, "etp_securite": etp,
            "cree_par": acteur})
        journaliser(c, "objectifs.budget.enregistre", acteur=acteur, donnees={
            "structure": ligne.finess, "cree": cree, "budget_general": str(general),
            "budget_numerique": str(numerique), "etp_securite": str(etp), "part": str(b.part_numerique)})
    return b


# --- GHT -----------------------------------------------------------------------------------------------

def _fait(valeur: Any) -> bool | None:
    """A declared fact: True / False, None when not stated (the form's « non renseigné »)."""
    return None if valeur is None or valeur == "" else bool(valeur)


def gouvernance_enregistrer(*, candidature: Candidature, referent_projet: str, equipe_ad_unique: bool | None, acteur,
                            schema_gouvernance=None, equipe_projet=None, referent_nomme_par_directeur: bool | None = None,
                            sdsi_volet_organisationnel: bool | None = None, sdsi_volet_technique: bool | None = None,
                            schema_directeur=None) -> GouvernanceGHT:
    """Record the GHT's governance (D1.O6.A): référent and whether the support's director named them,
    single AD team, AD topics in the IS convergence master plan (facts: yes / no / None = not stated);
    each document given becomes the next version."""
    with fabrique.atelier():  # the proofs stored here lose their bytes if it fails
        c = _verrouiller(candidature, acteur)
        _exiger_ght(c, "La gouvernance du GHT")
        g, cree = GouvernanceGHT.objects.select_for_update().get_or_create(candidature=c,
                                                                           defaults={"cree_par": acteur})
        g.referent_projet = (referent_projet or "").strip()
        g.referent_nomme_par_directeur = _fait(referent_nomme_par_directeur)
        g.equipe_ad_unique = _fait(equipe_ad_unique)
        g.sdsi_volet_organisationnel = _fait(sdsi_volet_organisationnel)
        g.sdsi_volet_technique = _fait(sdsi_volet_technique)
        if schema_gouvernance:
            g.schema_gouvernance = _deposer(schema_gouvernance, acteur=acteur, proprietaire=g,
                                            categorie="schema_gouvernance", remplace=g.schema_gouvernance)
        if equipe_projet:
            g.equipe_projet = _deposer(equipe_projet, acteur=acteur, proprietaire=g,
                                       categorie="equipe_projet", remplace=g.equipe_projet)
        if schema_directeur:
            g.schema_directeur = _deposer(schema_directeur, acteur=acteur, proprietaire=g,
                                          categorie="schema_directeur", remplace=g.schema_directeur)
        g.save()
        journaliser(c, "objectifs.gouvernance.enregistree", acteur=acteur, donnees={
            "cree": cree, "referent_projet": g.referent_projet, "equipe_ad_unique": g.equipe_ad_unique,
            "referent_nomme_par_directeur": g.referent_nomme_par_directeur,
            "sdsi_volet_organisationnel": g.sdsi_volet_organisationnel,
            "sdsi_volet_technique": g.sdsi_volet_technique,
            "schema_directeur": _doc(g.schema_directeur) if schema_directeur else None,
            "schema_gouvernance": _doc(g.schema_gouvernance) if schema_gouvernance else None,
            "equipe_projet": _doc(g.equipe_projet) if equipe_projet else None})
    return g


def convergence_enregistrer(*, candidature: Candidature, deja_convergee: bool, acteur,
                            valide_dsi: bool | None = None, valide_comite: bool | None = None,
                            date_convergence: datetime.date | None = None, budget: Any = None, description: str = "",
                            document=None, responsable: str = "", equipes_mutualisees: bool | None = None,
                            structures: Iterable[PerimetreLigne | int] | None = None) -> ConvergenceAD:
    """Record the GHT's AD convergence (D1.O6.B): the trajectory (validations, target date, budget,
    responsible, pooled teams, the establishments it addresses) or the already converged AD; the
    document becomes the next version. Refused: a negative budget, an establishment outside the
    perimeter. A budget of 0 € is kept: the rule says why it fails."""
    montant = None if budget in (None, "") else _montant(budget, "Budget de la convergence")
    if date_convergence is not None and not isinstance(date_convergence, datetime.date):
        raise WorkflowError("La date de convergence prévue n'est pas une date.", code="date")
    with fabrique.atelier():  # the proofs stored here lose their bytes if it fails
        c = _verrouiller(candidature, acteur)
        _exiger_ght(c, "La convergence des AD")
        v, cree = ConvergenceAD.objects.select_for_update().get_or_create(candidature=c,
                                                                          defaults={"cree_par": acteur})
        v.deja_convergee = bool(deja_convergee)
        v.valide_dsi, v.valide_comite = _fait(valide_dsi), _fait(valide_comite)
        v.responsable = (responsable or "").strip()[:150]
        v.equipes_mutualisees = _fait(equipes_mutualisees)
        lignes = _structures(c, structures) if structures else []
        v.date_convergence, v.budget = date_convergence, montant
        v.description = (description or "").strip()
        if document:
            categorie = "description_ad_converge" if v.deja_convergee else "trajectoire_convergence"
            precedent = v.document if v.document and v.document.categorie == categorie else None
            v.document = _deposer(document, acteur=acteur, proprietaire=v, categorie=categorie,
                                  remplace=precedent)
        v.save()
        v.structures.set(lignes)
        journaliser(c, "objectifs.convergence.enregistree", acteur=acteur, donnees={
            "cree": cree, "deja_convergee": v.deja_convergee, "valide_dsi": v.valide_dsi,
            "valide_comite": v.valide_comite, "responsable": v.responsable,
            "equipes_mutualisees": v.equipes_mutualisees, "structures": sorted(ligne.finess for ligne in lignes),
            "date_convergence": date_convergence.isoformat() if date_convergence else None,
            "budget": str(montant) if montant is not None else None, "document": _doc(v.document) if document else None})
    return v
