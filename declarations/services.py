"""Every write on declarations (STYLE.md). Each service: atomic → lock → check the actor → transition
or write → save → log (on the declaration: its timeline) → on-commit effects (receipt, e-mails).
Refusals raise WorkflowError with a French message; nothing is kept.

Rights, those of the candidature (candidatures.services): the bilan is edited by a confirmed
référent CaRE, DSI or RSSI of the structure (``peut_editer``), the declaration is submitted by the
référent (``peut_deposer``), the instructing region's référent ARS decides (``peut_instruire``).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from candidatures import selectors as candidatures_selectors
from candidatures.models import Candidature
from candidatures.services import peut_deposer, peut_editer, peut_instruire
from care_portal.core import etapes
from care_portal.core.travaux import confier
from care_portal.notifications.services import envoyer_email
from care_portal.workflow.services import WorkflowError, journaliser, run_transition
from conventions.models import Convention

from . import bilan, selectors
from .models import Declaration, Instantane, LigneBilan

STATUTS_ATTEINTS = ("atteint", "non_applicable")
LIGNES_MAX = 2000


def _verrouiller(d: Declaration) -> Declaration:
    return Declaration.objects.select_for_update(of=("self",)).select_related(
        "candidature__appel", "candidature__ght", "candidature__entite_juridique",
        "candidature__region_instructrice").get(pk=d.pk)


def _convention_signee(c: Candidature) -> bool:
    return Convention.objects.filter(candidature=c, etat=Convention.Etat.SIGNEE).exists()


def _dans_la_fenetre(c: Candidature) -> bool:
    return c.appel.declaration_debut <= timezone.localdate() <= c.appel.declaration_fin


def _lien(d: Declaration) -> str:
    return settings.SITE_URL + reverse("declarations:detail", args=[d.pk])


def _exiger_edition(acteur, d: Declaration) -> None:
    if not peut_editer(acteur, d.candidature):
        raise WorkflowError("Seuls le référent CaRE, le DSI et le RSSI de la structure peuvent modifier le bilan "
                            "financier.", code="droit")
    if not d.modifiable_par_es:
        raise WorkflowError(f"La déclaration est « {d.get_etat_display().lower()} » : son bilan financier n'est plus "
                            "modifiable.", code="etat")


# --- opening --------------------------------------------------------------------------------------

def declaration_creer(*, candidature: Candidature, acteur) -> Declaration:
    """Open the declaration of a candidature whose convention is signed (one per candidature; an
    existing one is returned)."""
    if not peut_editer(acteur, candidature):
        raise WorkflowError("Seuls le référent CaRE, le DSI et le RSSI de la structure peuvent ouvrir la déclaration.",
                            code="droit")
    existante = Declaration.objects.filter(candidature=candidature).first()
    if existante is not None:
        return existante
    if not _convention_signee(candidature):
        raise WorkflowError("La déclaration s'ouvre une fois la convention signée par l'établissement et "
                            "contresignée par l'ANS.", code="convention")
    try:
        with transaction.atomic():
            Candidature.objects.select_for_update().get(pk=candidature.pk)
            d = Declaration.objects.create(candidature=candidature, cree_par=acteur)
            journaliser(d, "declarations.declaration.creee", acteur=acteur, etat_cible=d.etat)
    except IntegrityError:
        return Declaration.objects.get(candidature=candidature)
    return d


def declaration_ouvrir_apres_convention(*, convention: Convention, acteur=None) -> Declaration:
    """The hand-off from the convention: its declaration « brouillon » is opened when the ANS countersigns,
    in the countersigning transaction (stage registry), so that the establishment finds it in its menu.
    Idempotent: an existing declaration is returned."""
    existante = Declaration.objects.filter(candidature_id=convention.candidature_id).first()
    if existante is not None:
        return existante
    try:
        with transaction.atomic():  # a savepoint: a concurrent opening leaves the caller's transaction usable
            d = Declaration.objects.create(candidature_id=convention.candidature_id, cree_par=None)
            journaliser(d, "declarations.declaration.creee", acteur=None, etat_cible=d.etat,
                        donnees={"convention": convention.numero})
    except IntegrityError:
        return Declaration.objects.get(candidature_id=convention.candidature_id)
    return d


# --- the bilan ------------------------------------------------------------------------------------

def _creer_ligne(d: Declaration, saisie: bilan.LigneSaisie, acteur, objectifs: dict) -> LigneBilan:
    return LigneBilan.objects.create(
        declaration=d, objectif=objectifs[saisie.objectif], categorie=saisie.categorie, libelle=saisie.libelle,
        fournisseur=saisie.fournisseur, date=saisie.date, montant_ht=saisie.montant_ht,
        montant_ttc=saisie.montant_ttc, cree_par=acteur,
    )


def _objectifs_par_code() -> dict:
    from objectifs.models import Objectif

    return {o.code: o for o in Objectif.objects.all()}


def ligne_ajouter(*, declaration: Declaration, acteur, donnees: dict[str, Any], justificatif=None) -> LigneBilan:
    """Add one line (checked by ``bilan.valider_ligne``) and its optional supporting document."""
    from care_portal.documents import fabrique
    from care_portal.documents import services as documents

    with transaction.atomic():
        d = _verrouiller(declaration)
        _exiger_edition(acteur, d)
        saisie, erreurs = bilan.valider_ligne(donnees, selectors.contexte_bilan(d))
        if erreurs:
            raise LigneInvalide(erreurs)
        if d.lignes.count() >= LIGNES_MAX:
            raise WorkflowError(f"Le bilan financier compte déjà {LIGNES_MAX} lignes.", code="limite")
        ligne = _creer_ligne(d, saisie, acteur, _objectifs_par_code())
        document = None
        with fabrique.atelier():  # the supporting document loses its bytes if the line is not recorded
            if justificatif:
                document = documents.document_deposer(fichier=justificatif, acteur=acteur, proprietaire=ligne,
                                                      categorie=selectors.CATEGORIE_JUSTIFICATIF)
                ligne.justificatif = document
                ligne.save(update_fields=["justificatif"])
            journaliser(d, "declarations.declaration.ligne_ajoutee", acteur=acteur,
                        donnees={"ligne": ligne.pk, **saisie.en_json(),
                                 "justificatif": _document_json(document) if document else None})
    return ligne


class LigneInvalide(WorkflowError):
    """A line refused: ``erreurs`` lists every reason (French)."""

    def __init__(self, erreurs: list[str]):
        super().__init__("La ligne n'a pas été ajoutée : " + " ".join(erreurs), code="ligne")
        self.erreurs = erreurs


def ligne_supprimer(*, ligne: LigneBilan, acteur) -> None:
    with transaction.atomic():
        d = _verrouiller(ligne.declaration)
        _exiger_edition(acteur, d)
        ligne = LigneBilan.objects.select_for_update().get(pk=ligne.pk, declaration=d)
        donnees = {"ligne": ligne.pk, "libelle": ligne.libelle, "objectif": ligne.objectif.code,
                   "montant_ht": str(ligne.montant_ht), "montant_ttc": str(ligne.montant_ttc)}
        if ligne.justificatif_id:
            from care_portal.documents import services as documents

            documents.document_supprimer(document=ligne.justificatif, acteur=acteur)
        ligne.delete()
        journaliser(d, "declarations.declaration.ligne_supprimee", acteur=acteur, donnees=donnees)


def lignes_importer(*, declaration: Declaration, acteur, lignes: Iterable[bilan.LigneSaisie],
                    remplacer: bool = False, nom_fichier: str = "") -> int:
    """Add the lines read from an XLSX (already checked; checked again here, all or nothing); with
    ``remplacer``, the lines without supporting document are removed first. Returns the count."""
    lignes = list(lignes)
    with transaction.atomic():
        d = _verrouiller(declaration)
        _exiger_edition(acteur, d)
        contexte = selectors.contexte_bilan(d)
        erreurs = []
        for n, saisie in enumerate(lignes, start=1):
            _, e = bilan.valider_ligne(saisie.en_json(), contexte)
            erreurs += [f"Ligne {n} : {m}" for m in e]
        if erreurs:
            raise WorkflowError("Rien n'a été importé : " + " ".join(erreurs), code="import")
        retirees = 0
        if remplacer:
            retirees, _ = d.lignes.filter(justificatif__isnull=True).delete()
        if d.lignes.count() + len(lignes) > LIGNES_MAX:
            raise WorkflowError(f"Le bilan financier compterait plus de {LIGNES_MAX} lignes : rien n'a été importé.",
                                code="limite")
        objectifs = _objectifs_par_code()
        LigneBilan.objects.bulk_create([
            LigneBilan(declaration=d, objectif=objectifs[s.objectif], categorie=s.categorie, libelle=s.libelle,
                       fournisseur=s.fournisseur, date=s.date, montant_ht=s.montant_ht, montant_ttc=s.montant_ttc,
                       cree_par=acteur)
            for s in lignes
        ])
        journaliser(d, "declarations.declaration.bilan_importe", acteur=acteur, donnees={
            "fichier": nom_fichier, "lignes": len(lignes), "remplacees": retirees})
    return len(lignes)


# --- submission -------------------------------------------------------------------------------------

def _document_json(doc) -> dict[str, Any]:
    return {"id": str(doc.pk), "categorie": doc.categorie, "nom": doc.nom_original, "sha256": doc.sha256,
            "version": doc.version, "taille": doc.taille}


def _verdict_json(v) -> dict[str, Any]:
    return {"code": v.code, "titre": v.titre, "statut": str(v.statut), "raisons": list(v.raisons),
            "a_faire": list(v.a_faire)}


def avertissements_de(verdicts: list) -> list[str]:
    """One French sentence per objective the rules engine does not see reached."""
    return [f"{v.code} — {v.titre} : {v.statut.libelle.lower()}" + (f" ({v.raisons[0]})" if v.raisons else "")
            for v in verdicts if str(v.statut) not in STATUTS_ATTEINTS]


def _instantane(d: Declaration, *, acteur, le: datetime.datetime, verdicts: list, avertissements: list[str],
                lignes: list[LigneBilan]) -> Instantane:
    from objectifs.selectors import candidatures_avec_preuves, preuves_par_objectif

    c = candidatures_avec_preuves(Candidature.objects.filter(pk=d.candidature_id)).get()
    totaux = selectors.totaux_de(d, lignes)
    preuves_docs = selectors.documents_des_preuves(c)
    return Instantane.objects.create(
        declaration=d, depot=le, numero=d.instantanes.count() + 1, certifie_par=acteur, base_eligible=totaux.base,
        verdicts=[_verdict_json(v) for v in verdicts],
        preuves=preuves_par_objectif(c),
        documents={
            "preuves": [{**_document_json(doc), "proprietaire": doc.content_type.model, "objet": doc.object_id}
                        for doc in preuves_docs],
            "justificatifs": [{**_document_json(ligne.justificatif), "ligne": ligne.pk}
                              for ligne in lignes if ligne.justificatif_id],
        },
        bilan=[{"ligne": ligne.pk, "objectif": ligne.objectif.code, "categorie": ligne.categorie,
                "libelle": ligne.libelle, "fournisseur": ligne.fournisseur, "date": ligne.date.isoformat(),
                "montant_ht": str(ligne.montant_ht), "montant_ttc": str(ligne.montant_ttc)} for ligne in lignes],
        totaux=totaux.en_json(),
        avertissements=avertissements,
    )


def documents_de_l_instantane(instantane: Instantane) -> list:
    """The documents a snapshot refers to (evidence and supporting documents of the bilan)."""
    from care_portal.documents.models import Document

    ids = [ref["id"] for groupe in ("preuves", "justificatifs") for ref in (instantane.documents or {}).get(groupe, [])]
    return list(Document.tous.filter(pk__in=ids)) if ids else []


def declaration_deposer(*, declaration: Declaration, acteur, certifie: bool) -> Declaration:
    """Submit (or answer a complement). Guards: the référent of the structure, a signed convention,
    the call's declaration window (Europe/Paris days; for a first submission), the certification
    that every supporting document is kept, a bilan with lines all inside the period and for
    objectives that apply. Objectives not reached: warned and recorded, not refused. Freezes an
    ``Instantane``; locks the supporting documents; receipt and e-mails on commit."""
    from care_portal.documents import services as documents
    from objectifs.selectors import verdicts_de

    with transaction.atomic():
        d = _verrouiller(declaration)
        c = d.candidature
        if not peut_deposer(acteur, c):
            raise WorkflowError("Seul le référent CaRE de la structure peut déposer la déclaration.", code="droit")
        if not _convention_signee(c):
            raise WorkflowError("La convention doit être signée et contresignée avant de déposer la déclaration.",
                                code="convention")
        if d.etat == Declaration.Etat.BROUILLON and not _dans_la_fenetre(c):
            raise WorkflowError(
                f"Les déclarations de « {c.appel.nom} » se déposent du {c.appel.declaration_debut:%d/%m/%Y} au "
                f"{c.appel.declaration_fin:%d/%m/%Y} : la fenêtre de déclaration est fermée.", code="fenetre")
        if not certifie:
            raise WorkflowError("Certifiez que l'établissement conserve l'ensemble des pièces justificatives des "
                                "dépenses déclarées.", code="certification")
        lignes = selectors.lignes_de(d)
        if not lignes:
            raise WorkflowError("Le bilan financier est vide : ajoutez au moins une dépense.", code="bilan")
        contexte = selectors.contexte_bilan(d)
        erreurs = []
        for ligne in lignes:
            _, e = bilan.valider_ligne({
                "objectif": ligne.objectif.code, "categorie": ligne.categorie, "libelle": ligne.libelle,
                "fournisseur": ligne.fournisseur, "date": ligne.date, "montant_ht": ligne.montant_ht,
                "montant_ttc": ligne.montant_ttc}, contexte)
            erreurs += [f"« {ligne.libelle} » : {m}" for m in e]
        if erreurs:
            raise WorkflowError("Le bilan financier contient des lignes à corriger : " + " ".join(erreurs),
                                code="bilan")
        maintenant = timezone.now()
        verdicts = verdicts_de(c)
        avertissements = avertissements_de(verdicts)
        instantane = _instantane(d, acteur=acteur, le=maintenant, verdicts=verdicts, avertissements=avertissements,
                                 lignes=lignes)
        run_transition(d, "deposer", acteur=acteur, verifier_droit=False, le=maintenant,
                       avertissements=avertissements, update_fields=["deposee_le", "premiere_depose_le",
                                                                     "avertissements"],
                       donnees={"instantane": instantane.pk, "numero": instantane.numero, "certifie": True,
                                "avertissements": avertissements, "total_eligible": instantane.totaux["general"]
                                ["eligible"]})
        # every document the snapshot refers to (evidence and supporting documents) is locked: never
        # deleted nor replaced in place, so the snapshot's ids and SHA-256 always find their bytes
        documents.document_verrouiller(documents=documents_de_l_instantane(instantane), acteur=None)
        from .tasks import generer_recepisse_task

        confier(generer_recepisse_task, d.pk, maintenant.isoformat(), objet=d)
        contexte_mail = {"declaration": d, "candidature": c, "lien": _lien(d), "avertissements": avertissements,
                         "instantane": instantane}
        envoyer_email(candidatures_selectors.emails_ars(c), f"Déclaration déposée : {c.structure_libelle}",
                      "declaration_deposee_ars", contexte_mail)
        envoyer_email(candidatures_selectors.emails_es(c), "Votre déclaration d'atteinte des objectifs est déposée",
                      "declaration_deposee_es", contexte_mail)
    return d


# --- ARS decisions ------------------------------------------------------------------------------------

def declaration_demander_complement(*, declaration: Declaration, acteur, message: str) -> Declaration:
    message = (message or "").strip()
    if not message:
        raise WorkflowError("Précisez ce que l'établissement doit compléter.", code="motif")
    with transaction.atomic():
        d = _verrouiller(declaration)
        if not peut_instruire(acteur, d.candidature):
            raise WorkflowError("Seule l'ARS instructrice peut demander un complément.", code="droit")
        run_transition(d, "demander_complement", acteur=acteur, motif=message, verifier_droit=False,
                       update_fields=["motif"], donnees={"preuves_rouvertes": True})
        envoyer_email(candidatures_selectors.emails_es(d.candidature), "Complément demandé sur votre déclaration",
                      "declaration_complement", {"declaration": d, "candidature": d.candidature, "message": message,
                                                 "lien": _lien(d)})
    return d


def declaration_declarer_complete(*, declaration: Declaration, acteur) -> Declaration:
    """The ARS finds the dossier complete: its control « à planifier » is opened and the ANS is told."""
    with transaction.atomic():
        d = _verrouiller(declaration)
        if not peut_instruire(acteur, d.candidature):
            raise WorkflowError("Seule l'ARS instructrice peut déclarer la déclaration complète.", code="droit")
        run_transition(d, "declarer_complete", acteur=acteur, verifier_droit=False, le=timezone.now(),
                       update_fields=["decidee_le", "motif"])
        etapes.passer_a_la_suite(depuis="declaration", objet=d, acteur=acteur)  # its control, to plan
        contexte = {"declaration": d, "candidature": d.candidature, "lien": _lien(d)}
        envoyer_email(candidatures_selectors.emails_es(d.candidature), "Votre déclaration est complète",
                      "declaration_complete", contexte)
        envoyer_email(candidatures_selectors.emails_ans(),
                      f"Déclaration complète, contrôle à planifier : {d.candidature.structure_libelle}",
                      "declaration_complete_ans", contexte)
    return d


def declaration_declarer_non_recevable(*, declaration: Declaration, acteur, motif: str) -> Declaration:
    motif = (motif or "").strip()
    if not motif:
        raise WorkflowError("Le motif est obligatoire : il est transmis à l'établissement.", code="motif")
    with transaction.atomic():
        d = _verrouiller(declaration)
        if not peut_instruire(acteur, d.candidature):
            raise WorkflowError("Seule l'ARS instructrice peut déclarer la déclaration non recevable.", code="droit")
        run_transition(d, "declarer_non_recevable", acteur=acteur, motif=motif, verifier_droit=False,
                       le=timezone.now(), update_fields=["decidee_le", "motif"])
        envoyer_email(candidatures_selectors.emails_es(d.candidature), "Votre déclaration n'est pas recevable",
                      "declaration_non_recevable", {"declaration": d, "candidature": d.candidature, "motif": motif,
                                                    "lien": _lien(d)})
    return d
