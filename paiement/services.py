"""Every write of the payment app (STYLE.md): the ceiling tables; the payments, their SEPA batches and
the bank's confirmation (below).

Each service validates with ``regles.verifier_lignes`` (no overlapping brackets, min < max, amounts
≥ 0), writes inside ``transaction.atomic`` with the call's row locked (versions are numbered per call
without gaps or duplicates) and appends a ``TransitionLog`` row. A refusal raises
``MatricePlafondsInvalide`` (a ``WorkflowError``) carrying every French error; nothing is written then.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from care_portal.core import format_fr
from care_portal.referentiel.models import AppelAFinancement
from care_portal.workflow.services import WorkflowError, journaliser, run_transition

from . import dates
from .imports import lire_plafonds
from .models import GrilleMontantsPlafonds, LignePlafond
from .regles import LignePlafondData, verifier_lignes


class MatricePlafondsInvalide(WorkflowError):
    """A ceiling table refused: ``erreurs`` lists every problem (« Ligne 4 : … »)."""

    def __init__(self, erreurs: list[str], message: str | None = None):
        self.erreurs = list(erreurs)
        super().__init__(message or f"La matrice des montants plafonds comporte {len(self.erreurs)} erreur{format_fr.s(len(self.erreurs))} : "
                                    "rien n'a été enregistré.", code="grille")


def _valider(lignes: list[LignePlafondData]) -> None:
    if not lignes:
        raise MatricePlafondsInvalide(["La matrice ne contient aucune ligne de plafond."])
    erreurs = verifier_lignes(lignes)
    if erreurs:
        raise MatricePlafondsInvalide(erreurs)


def _ecrire_lignes(grille: GrilleMontantsPlafonds, lignes: list[LignePlafondData]) -> None:
    LignePlafond.objects.bulk_create([
        LignePlafond(grille=grille, type_structure=ligne.type_structure, activite_min=ligne.activite_min,
                     activite_max=ligne.activite_max, montant=ligne.montant)
        for ligne in lignes
    ])


def prochaine_version(appel: AppelAFinancement) -> int:
    """The next version number of ``appel``'s table. Call inside a transaction: it locks the call's row."""
    AppelAFinancement.objects.select_for_update().filter(pk=appel.pk).first()
    derniere = GrilleMontantsPlafonds.objects.filter(appel=appel).aggregate(v=Max("version"))["v"]
    return (derniere or 0) + 1


def grille_creer(*, appel: AppelAFinancement, lignes: list[LignePlafondData], acteur,
                 en_vigueur_le: datetime.date | None = None, source: str = "", commentaire: str = "",
                 illustrative: bool = False) -> GrilleMontantsPlafonds:
    """A new version of ``appel``'s ceiling table (in force from ``en_vigueur_le``, today by default).
    Refused as a whole (``MatricePlafondsInvalide``) if one row is wrong or the date is outside the call's years."""
    _valider(lignes)
    en_vigueur_le = en_vigueur_le or timezone.localdate()
    erreur = dates.erreur_en_vigueur(en_vigueur_le, appel=str(appel), candidature_debut=appel.candidature_debut,
                                     paiement_fin=appel.paiement_fin)
    if erreur:
        raise MatricePlafondsInvalide([erreur], erreur)
    with transaction.atomic():
        grille = GrilleMontantsPlafonds.objects.create(
            appel=appel, version=prochaine_version(appel), en_vigueur_le=en_vigueur_le,
            source=source[:255], commentaire=commentaire, illustrative=illustrative,
            cree_par=acteur if getattr(acteur, "pk", None) else None,
        )
        _ecrire_lignes(grille, lignes)
        journaliser(grille, "paiement.grille.creee", acteur=acteur, donnees={
            "appel": appel.code, "version": grille.version, "lignes": len(lignes), "source": grille.source,
            "illustrative": illustrative, "en_vigueur_le": grille.en_vigueur_le.isoformat(),
        })
    return grille


def grille_importer(*, appel: AppelAFinancement, contenu: bytes, nom_fichier: str, acteur,
                    illustrative: bool = False, en_vigueur_le: datetime.date | None = None,
                    commentaire: str = "") -> GrilleMontantsPlafonds:
    """Import a CSV/XLSX file as a new version: all its rows, or nothing (``MatricePlafondsInvalide`` with the
    per-row errors)."""
    lecture = lire_plafonds(contenu, nom_fichier)
    if lecture.erreurs:
        raise MatricePlafondsInvalide(lecture.erreurs, f"Le fichier « {nom_fichier} » comporte {len(lecture.erreurs)} "
                                              f"erreur{format_fr.s(len(lecture.erreurs))} : rien n'a été importé.")
    return grille_creer(appel=appel, lignes=lecture.lignes, acteur=acteur, en_vigueur_le=en_vigueur_le,
                        source=f"Import du fichier « {nom_fichier} »", commentaire=commentaire,
                        illustrative=illustrative)


def grille_remplacer_lignes(*, grille: GrilleMontantsPlafonds, lignes: list[LignePlafondData],
                            acteur) -> GrilleMontantsPlafonds:
    """Replace the rows of a version (admin edits), after the same checks as an import."""
    _valider(lignes)
    with transaction.atomic():
        grille = GrilleMontantsPlafonds.objects.select_for_update().get(pk=grille.pk)
        avant = LignePlafond.objects.filter(grille=grille).count()
        LignePlafond.objects.filter(grille=grille).delete()
        _ecrire_lignes(grille, lignes)
        journaliser(grille, "paiement.grille.modifiee", acteur=acteur,
                    donnees={"version": grille.version, "lignes_avant": avant, "lignes": len(lignes)})
    return grille


# --- payments -------------------------------------------------------------------------------------------
#
# Each service: atomic → lock the payment row (select_for_update) → check the actor → check the state
# and the guards (window, four-eyes, bank details) → pure transition through ``run_transition`` →
# save → log → on-commit e-mail. A refusal raises ``WorkflowError`` (French); nothing is written.

MESSAGE_QUATRE_YEUX = ("Vous avez validé ce paiement : un second agent de l'ANS (secrétariat ou administration) "
                       "doit l'ordonnancer (principe des quatre yeux).")
MESSAGE_AGENT = "Seuls le secrétariat et l'administration de l'ANS gèrent les paiements."
CATEGORIE_VIREMENT = "virement_sepa"


def _roles():
    from care_portal.comptes.roles import Role

    return Role


def _exiger_agent(acteur) -> None:
    from care_portal.comptes.selectors import habilitations

    Role = _roles()
    if acteur is None or not habilitations(acteur).a(Role.SECRETARIAT_ANS, Role.ADMIN_ANS):
        raise WorkflowError(MESSAGE_AGENT, code="droit")


def _verrouiller(paiement):
    from .models import Paiement

    return Paiement.objects.select_for_update(of=("self",)).select_related(
        "convention__candidature__appel", "convention__candidature__ght",
        "convention__candidature__entite_juridique", "convention__candidature__region_instructrice",
    ).get(pk=paiement.pk)


def _exiger_fenetre(p) -> None:
    from .selectors import fenetre_ouverte

    erreur = fenetre_ouverte(p.convention.candidature.appel)
    if erreur:
        raise WorkflowError(erreur, code="fenetre")


def _exiger_iban_inchange(p) -> None:
    from .selectors import iban_modifie

    if iban_modifie(p):
        raise WorkflowError(
            "L'IBAN de la candidature a changé depuis la création du paiement : un référent CaRE de l'ARS "
            f"{p.convention.candidature.region_instructrice.nom} doit revérifier les coordonnées bancaires avant "
            "l'ordonnancement.", code="iban")


def _masque(iban: str) -> str:
    iban = "".join((iban or "").split())
    return f"{iban[:4]}…{iban[-4:]}" if len(iban) >= 8 else iban


def reference_de(convention) -> str:
    """The payment's end-to-end id: one per convention, in the SEPA character set, ≤ 35 characters."""
    return f"ECARE-P{convention.pk:07d}"


def paiement_creer(*, controle, acteur=None, jour: datetime.date | None = None):
    """The payment of a validated control (objectives reached, convention signed), inside the call's
    payment window, with its amount and computation. Refused (``code="existe"``) when the convention
    already has one: the convention's row is locked and the database constraint backs it."""
    from candidatures.banque import verifier_coordonnees
    from controle.models import Controle
    from conventions.models import Convention

    from . import selectors
    from .models import Paiement

    if acteur is not None:
        _exiger_agent(acteur)
    with transaction.atomic():
        c = Controle.objects.select_related("declaration__candidature__appel").get(pk=controle.pk)
        cand = c.declaration.candidature
        convention = Convention.objects.select_for_update().filter(candidature=cand).first()
        if convention is None or convention.etat != Convention.Etat.SIGNEE:
            raise WorkflowError("La convention de ce dossier n'est pas signée : aucun paiement n'est possible.",
                                code="convention")
        if Paiement.objects.filter(convention=convention).exists():
            raise WorkflowError("Un paiement existe déjà pour cette convention : une convention n'est payée qu'une fois.",
                                code="existe")
        if c.etat != Controle.Etat.OBJECTIFS_ATTEINTS:
            raise WorkflowError("Le contrôle n'a pas validé l'atteinte des objectifs : aucun paiement n'est possible.",
                                code="controle")
        erreur = selectors.fenetre_ouverte(cand.appel, jour)
        if erreur:
            raise WorkflowError(erreur, code="fenetre")
        banque = verifier_coordonnees(cand.iban, cand.bic)
        if not banque.iban_valide:
            raise WorkflowError(f"Les coordonnées bancaires de la candidature sont invalides : {banque.erreur_iban}",
                                code="iban")
        calcul = selectors.calcul_pour(c, jour)
        if calcul.erreur:
            raise WorkflowError(calcul.erreur, code="plafond")
        p = Paiement.objects.create(
            convention=convention, controle=c, reference=reference_de(convention),
            couts_eligibles=calcul.couts_eligibles, plafond=calcul.plafond, montant=calcul.montant,
            plafonne=calcul.plafonne, calcul=calcul.donnees, titulaire=(cand.titulaire_compte or "")[:200],
            iban=banque.iban, bic=banque.bic if banque.bic_valide else "",
        )
        journaliser(p, "paiement.paiement.cree", acteur=acteur, etat_cible=p.etat, donnees={
            "convention": convention.numero, "montant": str(p.montant), "plafond": str(p.plafond),
            "couts_eligibles": str(p.couts_eligibles), "plafonne": p.plafonne, "iban": _masque(p.iban)})
    return p


@dataclass
class Creation:
    crees: list = field(default_factory=list)
    ignores: list[tuple[int, str]] = field(default_factory=list)  # (control id, French reason)


def paiements_creer_a_valider(*, acteur=None, jour: datetime.date | None = None) -> Creation:
    """A payment « à valider » for every validated control without one (idempotent: a re-run, or a
    concurrent one, creates nothing more). Controls whose payment cannot be computed (no ceiling,
    window closed, bank details invalid) are skipped with their reason: no payment is created for them."""
    from controle.models import Controle

    if acteur is not None:
        _exiger_agent(acteur)
    resultat = Creation()
    ids = list(Controle.objects.filter(etat=Controle.Etat.OBJECTIFS_ATTEINTS, paiement__isnull=True)
               .order_by("decide_le", "pk").values_list("pk", flat=True))
    for pk in ids:
        try:
            with transaction.atomic():
                resultat.crees.append(paiement_creer(controle=Controle(pk=pk), acteur=acteur, jour=jour))
        except WorkflowError as exc:
            if exc.code != "existe":
                resultat.ignores.append((pk, exc.message))
        except IntegrityError:
            continue  # created meanwhile by a concurrent run
    return resultat


def paiement_valider(*, paiement, acteur):
    """The secretariat ANS validates the amount, inside the payment window."""
    from care_portal.comptes.selectors import habilitations

    Role = _roles()
    with transaction.atomic():
        p = _verrouiller(paiement)
        if not habilitations(acteur).a(Role.SECRETARIAT_ANS):
            raise WorkflowError("Seul le secrétariat de l'ANS valide un paiement.", code="droit")
        if p.etat != p.Etat.A_VALIDER:
            raise WorkflowError(f"Le paiement est « {p.get_etat_display().lower()} » : il ne se valide plus.",
                                code="etat")
        _exiger_fenetre(p)
        run_transition(p, "valider", acteur=acteur, verifier_droit=False, le=timezone.now(), par=acteur,
                       update_fields=["valide_le", "valide_par"], donnees={"montant": str(p.montant)})
    return p


def paiement_ordonnancer(*, paiement, acteur):
    """A second ANS agent (secretariat or admin, not the validator) orders the payment, inside the
    window, provided the candidature's IBAN is still the one stored on the payment."""
    with transaction.atomic():
        p = _verrouiller(paiement)
        _exiger_agent(acteur)
        if p.etat != p.Etat.VALIDE:
            raise WorkflowError(f"Le paiement est « {p.get_etat_display().lower()} » : seul un paiement validé "
                                "s'ordonnance.", code="etat")
        if p.valide_par_id == acteur.pk:
            raise WorkflowError(MESSAGE_QUATRE_YEUX, code="quatre_yeux")
        _exiger_fenetre(p)
        _exiger_iban_inchange(p)
        run_transition(p, "ordonnancer", acteur=acteur, verifier_droit=False, le=timezone.now(), par=acteur,
                       update_fields=["ordonnance_le", "ordonnance_par"],
                       donnees={"montant": str(p.montant), "valide_par": p.valide_par_id})
    return p


def paiement_rejeter(*, paiement, acteur, motif: str):
    """Reject a payment still to validate or validated, with its motive (final)."""
    motif = (motif or "").strip()
    if not motif:
        raise WorkflowError("Indiquez le motif du rejet.", code="motif")
    with transaction.atomic():
        p = _verrouiller(paiement)
        _exiger_agent(acteur)
        if p.etat not in (p.Etat.A_VALIDER, p.Etat.VALIDE):
            raise WorkflowError(f"Le paiement est « {p.get_etat_display().lower()} » : il ne peut plus être rejeté.",
                                code="etat")
        run_transition(p, "rejeter", acteur=acteur, verifier_droit=False, motif=motif, le=timezone.now(),
                       update_fields=["rejete_le", "motif"])
    return p


def _avis_de_paiement(p) -> None:
    """The payment notice to the ES contacts, on commit (``envoyer_email``)."""
    from django.conf import settings
    from django.urls import reverse

    from candidatures.selectors import emails_es
    from care_portal.notifications.services import envoyer_email

    from .regles import euros

    cand = p.convention.candidature
    lien = settings.SITE_URL + reverse("paiement:pour_candidature", args=[cand.pk])
    destinataires = {*emails_es(cand), cand.dsi_email, cand.rssi_email}
    envoyer_email(destinataires, f"Paiement CaRE versé : {cand.structure_libelle}", "paiement_paye",
                  {"paiement": p, "candidature": cand, "montant": euros(p.montant), "lien": lien,
                   "lien_dossier": lien, "explications": p.calcul.get("explications", [])},
                  candidature=cand)


def _payer(p, *, acteur, le: datetime.date, reference_bancaire: str, source: str) -> None:
    run_transition(p, "payer", acteur=acteur, verifier_droit=False, le=le, reference_bancaire=reference_bancaire,
                   update_fields=["paye_le", "reference_bancaire"],
                   donnees={"montant": str(p.montant), "date": le.isoformat(), "reference_bancaire": reference_bancaire,
                            "source": source})
    _avis_de_paiement(p)


def ordonnance_du(p) -> datetime.date | None:
    """The day (Europe/Paris) the payment was ordered: the earliest date it can have been paid."""
    return timezone.localdate(p.ordonnance_le) if p.ordonnance_le else None


def fenetres_de(paiements) -> list[dates.FenetrePaiement]:
    """The payment windows of the calls of ``paiements`` (one per call)."""
    appels = {p.convention.candidature.appel for p in paiements}
    return [dates.FenetrePaiement(appel=str(a), debut=a.paiement_debut, fin=a.paiement_fin)
            for a in sorted(appels, key=lambda a: a.pk)]


def paiement_marquer_paye(*, paiement, acteur, le: datetime.date, reference_bancaire: str):
    """Record by hand that an ordered payment was executed (date, bank reference). Paid already →
    refused: nothing is paid twice."""
    reference_bancaire = (reference_bancaire or "").strip()
    if not reference_bancaire or len(reference_bancaire) > 100:
        raise WorkflowError("Indiquez la référence bancaire du virement (100 caractères au plus).", code="reference")
    erreur = dates.erreur_date_paiement(le, ordonnance_le=None, aujourd_hui=timezone.localdate())
    if erreur:
        raise WorkflowError(erreur, code="date")
    with transaction.atomic():
        p = _verrouiller(paiement)
        _exiger_agent(acteur)
        if p.etat == p.Etat.PAYE:
            raise WorkflowError(f"Ce paiement est déjà payé (le {p.paye_le:%d/%m/%Y}, référence "
                                f"{p.reference_bancaire}) : rien n'est payé deux fois.", code="deja_paye")
        if p.etat != p.Etat.ORDONNANCE:
            raise WorkflowError(f"Le paiement est « {p.get_etat_display().lower()} » : seul un paiement ordonnancé "
                                "peut être marqué payé.", code="etat")
        erreur = dates.erreur_date_paiement(le, ordonnance_le=ordonnance_du(p), aujourd_hui=timezone.localdate())
        if erreur:
            raise WorkflowError(erreur, code="date")
        _payer(p, acteur=acteur, le=le, reference_bancaire=reference_bancaire, source="saisie")
    return p


def paiement_reverifier_iban(*, paiement, acteur):
    """An ARS référent of the instructing region confirms the candidature's current bank details: the
    payment takes them (old and new IBAN logged, masked); ordering is possible again."""
    from candidatures.banque import verifier_coordonnees
    from care_portal.comptes.selectors import habilitations

    Role = _roles()
    with transaction.atomic():
        p = _verrouiller(paiement)
        cand = p.convention.candidature
        h = habilitations(acteur)
        if Role.REFERENT_ARS not in h.roles or cand.region_instructrice_id not in h.region_ids:
            raise WorkflowError("Seul un référent CaRE de l'ARS instructrice revérifie les coordonnées bancaires.",
                                code="droit")
        if p.etat in (p.Etat.PAYE, p.Etat.REJETE):
            raise WorkflowError(f"Le paiement est « {p.get_etat_display().lower()} » : ses coordonnées bancaires ne "
                                "changent plus.", code="etat")
        banque = verifier_coordonnees(cand.iban, cand.bic)
        if not banque.iban_valide:
            raise WorkflowError(f"L'IBAN actuel de la candidature est invalide : {banque.erreur_iban}", code="iban")
        ancien = p.iban
        p.iban, p.bic = banque.iban, banque.bic if banque.bic_valide else ""
        p.titulaire = (cand.titulaire_compte or "")[:200]
        p.iban_verifie_le, p.iban_verifie_par = timezone.now(), acteur
        p.save(update_fields=["iban", "bic", "titulaire", "iban_verifie_le", "iban_verifie_par"])
        journaliser(p, "paiement.paiement.iban_reverifie", acteur=acteur,
                    donnees={"ancien": _masque(ancien), "nouveau": _masque(p.iban)})
    return p


# --- SEPA batches ---------------------------------------------------------------------------------------

def _archive(nom: str, contenu: bytes) -> bytes:
    import io
    import zipfile

    sortie = io.BytesIO()
    with zipfile.ZipFile(sortie, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(nom, contenu)
    return sortie.getvalue()


def lot_creer(*, acteur, date_execution: datetime.date, paiements=None):
    """A batch of the ordered payments not yet in a batch (or of ``paiements`` among them) and its
    pain.001.001.09 file (IBAN/BIC of the candidature, payment reference as end-to-end id), validated
    against the XSD and kept through the documents service (a ZIP holding the XML)."""
    import hashlib

    from care_portal.documents import fabrique

    from . import sepa
    from .models import LotVirement, Paiement

    _exiger_agent(acteur)
    erreur = dates.erreur_date_execution(date_execution, aujourd_hui=timezone.localdate())
    if erreur:
        raise WorkflowError(erreur, code="date")
    with fabrique.atelier():  # the file's bytes are erased if anything here fails
        qs = Paiement.objects.select_for_update(of=("self",)).select_related(
            "convention__candidature__appel", "convention__candidature__ght",
            "convention__candidature__entite_juridique", "convention__candidature__region_instructrice",
        ).filter(etat=Paiement.Etat.ORDONNANCE, lot__isnull=True).order_by("pk")
        if paiements is not None:
            qs = qs.filter(pk__in=[p.pk for p in paiements])
        choisis = list(qs)
        if not choisis:
            raise WorkflowError("Aucun paiement ordonnancé n'attend de virement : le lot serait vide.", code="vide")
        erreur = dates.erreur_date_execution(date_execution, aujourd_hui=timezone.localdate(),
                                             fenetres=fenetres_de(choisis))
        if erreur:
            raise WorkflowError(erreur, code="date")
        erreurs = []
        for p in choisis:
            try:
                _exiger_fenetre(p)
                _exiger_iban_inchange(p)
            except WorkflowError as exc:
                erreurs.append(f"{p.reference} ({p.convention.candidature.structure_libelle}) : {exc.message}")
        if erreurs:
            raise WorkflowError("Le lot n'a pas été créé : " + " ".join(erreurs), code="lot")
        virements = [sepa.Virement(
            creancier_nom=p.titulaire or p.convention.candidature.structure_libelle,
            iban=p.convention.candidature.iban, bic=p.convention.candidature.bic, montant=p.montant,
            reference_bout_en_bout=p.reference,
            libelle=f"CaRE {p.convention.candidature.appel.code} convention {p.convention.numero}")
            for p in choisis]
        lot = LotVirement.objects.create(message_id=f"TMP-{timezone.now():%Y%m%d%H%M%S%f}"[:35],
                                         date_execution=date_execution, nombre=len(choisis),
                                         total=sum((p.montant for p in choisis), Decimal("0")), sha256="",
                                         cree_par=acteur)
        lot.message_id = f"ECARE-LOT-{lot.pk:06d}"
        try:
            xml = sepa.generer_virements(virements, debiteur=sepa.debiteur_par_defaut(), message_id=lot.message_id,
                                         date_execution=date_execution)
        except sepa.ErreurSepa as exc:
            raise WorkflowError("Le fichier de virement n'a pas été produit : " + " ".join(exc.erreurs),
                                code="sepa") from exc
        lot.sha256 = hashlib.sha256(xml).hexdigest()
        lot.document = fabrique.deposer(lot, CATEGORIE_VIREMENT, _archive(f"{lot.message_id}.xml", xml),
                                        nom=f"{lot.message_id}.zip")
        lot.save(update_fields=["message_id", "sha256", "document"])
        Paiement.objects.filter(pk__in=[p.pk for p in choisis]).update(lot=lot)
        journaliser(lot, "paiement.lot.cree", acteur=acteur, donnees={
            "message_id": lot.message_id, "nombre": lot.nombre, "total": str(lot.total), "sha256": lot.sha256,
            "paiements": [p.reference for p in choisis], "date_execution": date_execution.isoformat()})
        for p in choisis:
            journaliser(p, "paiement.paiement.mis_en_lot", acteur=acteur, donnees={"lot": lot.message_id})
    return lot


def xml_du_lot(lot) -> bytes:
    """The pain.001 XML of a batch, read back from its kept archive (its SHA-256 checked)."""
    import hashlib
    import zipfile

    from django.core.files.storage import default_storage

    with default_storage.open(lot.document.cle_stockage, "rb") as flux, zipfile.ZipFile(flux) as z:
        xml = z.read(f"{lot.message_id}.xml")
    if hashlib.sha256(xml).hexdigest() != lot.sha256:
        raise WorkflowError("Le fichier de virement conservé ne correspond plus à son empreinte.", code="integrite")
    return xml


class ConfirmationInvalide(WorkflowError):
    def __init__(self, erreurs: list[str], message: str):
        self.erreurs = list(erreurs)
        super().__init__(message, code="confirmation")


@dataclass
class ResultatConfirmation:
    payes: list = field(default_factory=list)
    deja_payes: list = field(default_factory=list)
    sha256: str = ""


def confirmation_importer(*, acteur, contenu: bytes, nom_fichier: str) -> ResultatConfirmation:
    """Apply the bank's confirmation file (``confirmation.py``): every ordered payment it names becomes
    paid (date, bank reference) and its notice is e-mailed on commit. All or nothing: one wrong line
    (unknown reference, payment not ordered, already paid with another bank reference) refuses the
    file. A line already applied (same payment, same bank reference) is skipped: importing the same
    file twice pays nothing twice."""
    import hashlib

    from .confirmation import lire_confirmation
    from .models import Paiement

    _exiger_agent(acteur)
    lecture = lire_confirmation(contenu, aujourd_hui=timezone.localdate())
    if lecture.erreurs:
        raise ConfirmationInvalide(lecture.erreurs, f"Le fichier « {nom_fichier} » comporte {len(lecture.erreurs)} "
                                                    f"erreur{format_fr.s(len(lecture.erreurs))} : aucun paiement n'a été modifié.")
    resultat = ResultatConfirmation(sha256=hashlib.sha256(contenu).hexdigest())
    with transaction.atomic():
        trouves = {p.reference: p for p in Paiement.objects.select_for_update(of=("self",)).select_related(
            "convention__candidature__appel", "convention__candidature__ght",
            "convention__candidature__entite_juridique", "lot").filter(
            reference__in=[ligne.reference for ligne in lecture.lignes])}
        erreurs, a_payer = [], []
        for ligne in lecture.lignes:
            p = trouves.get(ligne.reference)
            if p is None:
                erreurs.append(f"Ligne {ligne.numero} : aucun paiement n'a la référence « {ligne.reference} ».")
            elif p.etat == Paiement.Etat.PAYE:
                if p.reference_bancaire == ligne.reference_bancaire:
                    resultat.deja_payes.append(p)
                else:
                    erreurs.append(f"Ligne {ligne.numero} : le paiement {p.reference} est déjà payé avec la référence "
                                   f"bancaire « {p.reference_bancaire} » ; il ne sera pas payé deux fois.")
            elif p.etat != Paiement.Etat.ORDONNANCE:
                erreurs.append(f"Ligne {ligne.numero} : le paiement {p.reference} est « {p.get_etat_display().lower()} »"
                               " : seul un paiement ordonnancé peut être confirmé.")
            elif erreur := dates.erreur_date_paiement(ligne.date, ordonnance_le=ordonnance_du(p),
                                                      aujourd_hui=timezone.localdate()):
                erreurs.append(f"Ligne {ligne.numero} ({p.reference}) : {erreur}")
            else:
                a_payer.append((p, ligne))
        if erreurs:
            raise ConfirmationInvalide(erreurs, f"Le fichier « {nom_fichier} » comporte {len(erreurs)} erreur{format_fr.s(len(erreurs))} : "
                                                "aucun paiement n'a été modifié.")
        for p, ligne in a_payer:
            _payer(p, acteur=acteur, le=ligne.date, reference_bancaire=ligne.reference_bancaire,
                   source=f"confirmation {nom_fichier[:100]} (SHA-256 {resultat.sha256[:16]})")
            resultat.payes.append(p)
        for lot in {p.lot for p, _ in a_payer if p.lot is not None}:
            journaliser(lot, "paiement.lot.confirmation_importee", acteur=acteur, donnees={
                "fichier": nom_fichier[:200], "sha256": resultat.sha256,
                "payes": [p.reference for p, _ in a_payer if p.lot_id == lot.pk]})
    return resultat
